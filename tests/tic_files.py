"""Schema-valid Transparency in Coverage files made for the tests and the benchmark (no real insurer
file is reachable offline). Each file is written as a stream, item by item, so a file of gigabytes
needs no memory, and the generator returns what an import must find in it, worked out from what it
wrote, not by reading the file back.

What the files exercise (schema 1.x and 2.0):
- provider groups by id at the root, in separate provider-reference files (1.x ``location``) and
  written in place in a rate (1.x ``provider_groups``); a TIN-level contract (NPI 0);
- every negotiated type: dollars (negotiated, derived, fee schedule) and not (percentage, per diem);
  a bundle; expired rates; a price repeated (a duplicate); place-of-service codes and modifiers;
  facility rates with no place of service; an inpatient rate (2.0) and rates of zero and of minus
  one dollar (1.x, whose schema allows them); a surgery center's unmodified doctor's rate for 62321;
- codes out of scope, as many as wanted (``other_items``: the size of the file);
- the top-level fields written after the arrays (``meta_last``);
- broken files: cut short (``truncate``), malformed JSON at an item (``corrupt``), a value of the
  wrong type (``bad_rate``), an unknown provider group id (``unknown_group``), arrays and objects
  where text belongs (``wrong_types``), provider group ids and NPIs written with a decimal point,
  whole (accepted) or not (``float_ids``), no ``in_network`` array (``omit_in_network``);
- a table of contents for a set of files (broken before its first array: ``write_toc(broken=True)``),
  and a URL list.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gzip
import http.server
import ipaddress
import json
import random
import ssl
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SCOPE = ("62320", "62321", "62322", "62323", "99152", "99153", "01937")
PAST = "2020-06-30"
FUTURE = "9999-12-31"
#: Place-of-service codes: office, on-campus hospital outpatient, surgery center, all settings.
POS = (["11"], ["22"], ["24"], ["CSTM-00"])
#: The clinic price list's site for each place of service, and the bills of each billing class.
CLINIC_SITE = {"11": "office", "22": "hopd", "19": "hopd", "24": "asc", "CSTM-00": "*"}
BILLS = {"professional": ("professional",), "institutional": ("facility",), "both": ("professional", "facility")}


@dataclass
class Expected:
    """What an import of the file(s) must give: one tuple per row with a usable price
    (code, rate, TIN, NPI, billing class, place of service), the rows kept out by reason, the prices
    (or price and provider group pairs) left out as invalid, the JSON paths the problems must name,
    and the clinic price list's amounts: (site, code, component) -> one rate per row."""

    prices: Counter = field(default_factory=Counter)
    excluded: Counter = field(default_factory=Counter)
    other_items: int = 0
    items: int = 0
    invalid: int = 0
    invalid_provider_groups: int = 0
    problems: list[str] = field(default_factory=list)
    clinic: defaultdict = field(default_factory=lambda: defaultdict(list))

    def __iadd__(self, other: Expected) -> Expected:
        self.prices += other.prices
        self.excluded += other.excluded
        self.other_items += other.other_items
        self.items += other.items
        self.invalid += other.invalid
        self.invalid_provider_groups += other.invalid_provider_groups
        self.problems += other.problems
        for k, v in other.clinic.items():
            self.clinic[k] += v
        return self


def _npi(rng: random.Random) -> int:
    return rng.randrange(1_000_000_000, 1_999_999_999)


def _ein(rng: random.Random) -> str:
    return f"{rng.randrange(10, 99)}-{rng.randrange(1_000_000, 9_999_999)}"


def _groups(rng: random.Random, npis: int, tin_level: bool = False) -> list[dict]:
    ids = [0] if tin_level else [_npi(rng) for _ in range(npis)]
    return [{"npi": ids, "tin": {"type": "ein", "value": _ein(rng), "business_name": "Example Pain Clinic"}}]


def _other_item(code: str, version: str, rng: random.Random, groups: int) -> str:
    """An item of a code out of scope, as compact JSON: random rates and provider groups, so that the
    file compresses about as real ones do rather than 100-fold."""
    prices = [{"negotiated_type": "negotiated", "negotiated_rate": round(rng.uniform(20, 3000), 2),
               "expiration_date": FUTURE, "service_code": [pos], "billing_class": "professional",
               **({"setting": "outpatient"} if version.startswith("2") else {})}
              for pos in rng.sample(("11", "22", "24", "19"), 3)]
    refs = rng.sample(range(1, groups + 1), k=min(groups, rng.randint(1, 3)))
    return json.dumps({"negotiation_arrangement": "ffs", "name": f"Service {code}", "billing_code_type": "CPT",
                       "billing_code_type_version": "2026", "billing_code": code, "description": f"Service {code}",
                       "negotiated_rates": [{"provider_references": refs, "negotiated_prices": prices}]},
                      separators=(",", ":"))


def write_in_network(path: Path, version: str = "2.0.0", seed: int = 0, groups: int = 6, npis: int = 3,
                     refs: str = "root", other_items: int = 50, meta_last: bool = False, as_of: str = "2026-12-07",
                     plan: bool = True, bad_rate: bool = False, unknown_group: bool = False,
                     payer: str = "Example Health Plan", base_url: str = "", wrong_types: bool = False,
                     float_ids: bool = False, omit_in_network: bool = False) -> Expected:
    """Write one in-network file (gzip if ``path`` ends in .gz); return what an import must find.

    ``refs``: ``root`` (groups by id in provider_references), ``location`` (1.x: each group in its
    own provider-reference file beside this one, named by ``base_url`` + its name, or by its name alone,
    relative to this file, when ``base_url`` is empty: CMS's schema wants an https URL) or ``inline``
    (1.x: groups written in each rate).

    ``wrong_types``: 62320's negotiation_arrangement an array (the item is invalid), and three prices
    with an array or an object as negotiated_type, billing_class and setting. ``float_ids`` (root
    groups): group 2's NPIs and 62321's group ids written as whole numbers with a decimal point (read
    as the same numbers), a group id of 2.5 defined after group 2, an NPI of 1.5 in group 3 (the group
    is invalid), and a rate of 99153 pointing to group 1.5.
    """
    assert refs == "root" or version.startswith("1"), "schema 2.0 has provider groups by id only"
    assert not float_ids or (refs == "root" and groups >= 3), "float_ids needs groups by id, at least 3"
    rng = random.Random(seed)
    v2 = version.startswith("2")
    exp = Expected()
    group_defs = {gid: _groups(rng, npis, tin_level=(gid == 1 and groups > 1)) for gid in range(1, groups + 1)}
    bad_group = 3 if float_ids else None
    uses_bad_group = False
    problems: list[tuple[int, str]] = []  # (our item, path within it); the item's place is known once written
    meta = {"reporting_entity_name": payer, "reporting_entity_type": "health insurance issuer",
            "last_updated_on": "2026-11-01", "version": version}
    if plan:
        meta.update({"plan_name": "Example PPO", "plan_id_type": "ein", "plan_id": "12-3456789",
                     "plan_market_type": "group"})
        if v2:
            meta.update({"issuer_name": payer, "plan_sponsor_name": "Example Employer"})
    if float_ids:
        for g in group_defs[2]:
            g["npi"] = [float(n) for n in g["npi"]]
        group_defs[bad_group][0]["npi"].append(1.5)
    provider_refs = []
    for gid, grp in group_defs.items():
        ref: dict = {"provider_group_id": gid}
        if v2:
            ref["network_name"] = [f"Network {gid % 2}"]
        if refs == "location":
            side = path.parent / f"{path.name.split('.')[0]}-providers-{gid}.json"
            side.write_text(json.dumps({"provider_groups": grp, "version": version}))
            ref["location"] = f"{base_url.rstrip('/')}/{side.name}" if base_url else side.name
        else:
            ref["provider_groups"] = grp
        provider_refs.append(ref)
    if float_ids:  # a group id that is not whole, defined after group 2 with other providers
        provider_refs.append({"provider_group_id": 2.5, "provider_groups": _groups(rng, npis)})
        exp.problems.append(f"provider_references[{len(provider_refs) - 1}].provider_group_id")
        exp.invalid_provider_groups += 1

    def price(kind: str, rate: float, expires: str, pos: list[str] | None, cls: str, modifier: bool = False,
              setting: str = "outpatient") -> dict:
        p = {"negotiated_type": kind, "negotiated_rate": rate, "expiration_date": expires, "billing_class": cls}
        if pos is not None:  # a doctor's rate always has its place of service (the schema wants it)
            p["service_code"] = pos
        if v2:
            p["setting"] = setting
        if modifier:
            p["billing_code_modifier"] = ["26"] if cls == "professional" else ["TC"]
        return p

    def count(p: dict, code: str, gids: list[int], reason: str) -> None:
        nonlocal uses_bad_group
        if reason == "invalid":
            exp.invalid += 1
            return
        for gid in gids:
            if gid == bad_group:  # the price's rows from that group are left out
                exp.invalid += 1
                uses_bad_group = True
                continue
            for g in group_defs[gid]:
                for n in g["npi"]:
                    npi = "" if n == 0 else str(int(n))
                    if reason:
                        exp.excluded[reason] += 1
                        continue
                    exp.prices[(code, float(p["negotiated_rate"]), g["tin"]["value"], npi, p["billing_class"],
                                ";".join(p.get("service_code", [])))] += 1
                    if code.startswith("6232") and "billing_code_modifier" not in p:
                        for bill in BILLS[p["billing_class"]]:
                            places = p.get("service_code") or (["CSTM-00"] if bill == "professional" else [])
                            for site in {CLINIC_SITE[x] for x in places if x in CLINIC_SITE}:
                                exp.clinic[(site, code, bill)].append(float(p["negotiated_rate"]))

    #: (our item, rate, price) -> (field, a value of the wrong type for it)
    spoiled = {(2, 0, 1): ("negotiated_type", ["derived"]), (3, 1, 0): ("billing_class", {"class": "institutional"}),
               (4, 2, 2): ("setting", ["outpatient"])} if wrong_types else {}
    items = []
    for c, code in enumerate(SCOPE):
        arrangement = "bundle" if code == "62322" and not v2 else "ffs"
        spoiled_item = wrong_types and c == 0
        if spoiled_item:
            problems.append((c, ".negotiation_arrangement"))
        rates = []
        for r in range(3):
            gids = rng.sample(sorted(group_defs), k=min(2, groups))
            written: list = gids
            if float_ids and c == 1:
                written = [float(g) for g in gids]
            if float_ids and c == 5 and r == 1:  # a group id that is not whole: the rate's prices are invalid
                written = [1.5]
                problems.append((c, f".negotiated_rates[{len(rates)}].provider_references[0]"))
            prices = []
            for k, kind in enumerate(("negotiated", "derived", "fee schedule", "percentage", "per diem")):
                dollars = kind not in ("percentage", "per diem")
                expires = PAST if (dollars and k == 1 and r == 2) else FUTURE
                cls = "institutional" if (r == 1 and code.startswith("6232")) else "professional"
                pos = None if (cls == "institutional" and k % 2) else POS[(c + r + k) % len(POS)]
                p = price(kind, round(rng.uniform(40, 90) if not dollars else rng.uniform(150, 2500), 2), expires,
                          pos, cls, modifier=(r == 2 and k == 0))
                reason = ("percentage" if kind == "percentage" else "per_diem" if kind == "per diem"
                          else "bundle" if arrangement == "bundle" else "expired" if expires < as_of else "")
                if (c, r, k) in spoiled:
                    name, value = spoiled[(c, r, k)]
                    p[name] = value
                    problems.append((c, f".negotiated_rates[{len(rates)}].negotiated_prices[{k}].{name}"))
                    reason = "invalid"
                prices.append(p)
                count(p, code, gids, "invalid" if spoiled_item or written == [1.5] else reason)
            if r == 1:  # a rate that is not this procedure's price
                if v2:  # an inpatient stay's
                    p = price("negotiated", round(rng.uniform(5000, 20000), 2), FUTURE, ["21"], "institutional",
                              setting="inpatient")
                    reason = "inpatient"
                else:  # of no dollars (schema 1.x allows it): a placeholder
                    p = price("negotiated", 0.0 if c % 2 else -1.0, FUTURE, POS[c % len(POS)], "professional")
                    reason = "zero_or_negative"
                prices.append(p)
                count(p, code, gids, "invalid" if spoiled_item or written == [1.5]
                      else "bundle" if arrangement == "bundle" else reason)
            entries = [prices]
            if r == 0:  # the first price again, for the same providers, in an entry of its own: a duplicate
                entries.append([dict(prices[0])])
                count(prices[0], code, gids, "invalid" if spoiled_item
                      else "duplicate" if arrangement == "ffs" else "bundle")
            for entry in entries:
                nr: dict = {"negotiated_prices": entry}
                if refs == "inline":
                    nr["provider_groups"] = [g for gid in gids for g in group_defs[gid]]
                else:
                    nr["provider_references"] = written
                rates.append(nr)
        item = {"negotiation_arrangement": arrangement, "name": f"Service {code}", "billing_code_type": "CPT",
                "billing_code_type_version": "2026", "billing_code": code, "description": f"Service {code}",
                "negotiated_rates": rates}
        if arrangement == "bundle":
            item["bundled_codes"] = [{"billing_code_type": "CPT", "billing_code_type_version": "2026",
                                      "billing_code": "77003", "description": "Imaging guidance"}]
        if spoiled_item:
            item["negotiation_arrangement"] = [arrangement]
        items.append(item)
        exp.items += 1
    if uses_bad_group:
        exp.problems.append(f"provider_references[{bad_group - 1}].provider_groups[0].npi[{npis}]")
        exp.invalid_provider_groups += 1
    if bad_rate:  # a rate written as text: that price is invalid, the rest of the file is read
        items[1]["negotiated_rates"][0]["negotiated_prices"][0]["negotiated_rate"] = "about 500"
    if unknown_group:
        items[0]["negotiated_rates"][0]["provider_references"] = [999]
    if bad_rate or unknown_group:
        exp.prices, exp.excluded = Counter(), Counter()  # the tests check the problem, not the totals
    exp.other_items = other_items
    exp.items += other_items
    other_rng = random.Random(seed + 1)  # the other items do not change what is expected
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", **({"compresslevel": 1} if path.name.endswith(".gz") else {})) as out:
        head = json.dumps(meta)[1:-1]
        out.write("{" if meta_last else "{" + head + ",")
        if refs != "inline":
            out.write('"provider_references":' + json.dumps(provider_refs) + ",")
        if omit_in_network:  # no rates at all: not an in-network file
            out.write('"in_network_files":[]' + ("," + head if meta_last else "") + "}")
            return Expected()
        out.write('"in_network":[')
        scope_at: dict[int, list[int]] = {}
        for i in range(len(items)):  # our items spread among the others
            scope_at.setdefault(other_items * (i + 1) // (len(items) + 1), []).append(i)
        place: dict[int, int] = {}  # our item -> its index in in_network
        written_items = 0
        for n in range(other_items + 1):
            for i in scope_at.get(n, []):
                out.write(("," if written_items else "") + json.dumps(items[i]))
                place[i] = written_items
                written_items += 1
            if n < other_items:
                out.write(("," if written_items else "") + _other_item(str(90000 + n % 9000), version, other_rng,
                                                                         groups))
                written_items += 1
        out.write("]" + ("," + head if meta_last else "") + "}")
    exp.problems += [f"in_network[{place[i]}]{where}" for i, where in problems]
    return exp


def write_toc(path: Path, files: list[str], version: str = "2.0.0", payer: str = "Example Health Plan",
              broken: bool = False) -> None:
    """A table of contents listing ``files`` (as written: relative to ``path`` or absolute); ``broken``:
    its JSON broken among the top-level fields, before the first array."""
    plan = {"plan_name": "Example PPO", "plan_id_type": "ein", "plan_id": "12-3456789",
            "plan_market_type": "group"}
    if version.startswith("2"):
        plan.update({"issuer_name": payer, "plan_sponsor_name": "Example Employer"})
    doc = {"reporting_entity_name": payer, "reporting_entity_type": "health insurance issuer",
           "reporting_structure": [{"reporting_plans": [plan],
                                    "in_network_files": [{"description": "in-network file", "location": f}
                                                         for f in files]}],
           "version": version}
    if version.startswith("2"):
        doc["last_updated_on"] = "2026-11-01"
    text = json.dumps(doc)
    if broken:
        text = text.replace('"reporting_entity_type":', '"reporting_entity_type" ', 1)
    path.write_text(text)


def truncate(path: Path, keep: float = 0.6) -> None:
    """Cut the file short (a download that stopped)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def corrupt(path: Path) -> None:
    """Break the JSON at the second in-scope item (a plain-text file)."""
    text = path.read_text()
    at = text.index('"billing_code":"62321"') if '"billing_code":"62321"' in text else text.index('"62321"')
    path.write_text(text[:at] + "}{" + text[at:])


@contextlib.contextmanager
def https_server(folder: Path) -> Iterator[tuple[str, str]]:
    """Serve ``folder`` over HTTPS on loopback with a self-signed certificate for 127.0.0.1; yields
    (base URL, the certificate file to trust, e.g. as SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"https://127.0.0.1:{server.server_address[1]}", str(cert_file)
        finally:
            server.shutdown()
            server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no request lines in the test output
        pass
