"""One TiC in-network rate file (schema 1.x or 2.0) read as a stream: this project's codes kept,
each negotiated price with its providers (NPI and TIN), payer, plan, file date and place of service.

The file is never loaded whole. ijson (its C parser, yajl2) reads it in three steps:
1. the top-level fields (payer, plan, ``last_updated_on``, ``version``), from the events before the
   first array (sources.top_level_fields);
2. ``in_network[]`` item by item: an item of another code is dropped as soon as it is built; ours
   give one record per negotiated price, with the provider groups they point to;
3. only if a kept price points to provider groups by id (``provider_references``), a second pass
   over ``provider_references[]`` keeps the groups that are used, reading a group's separate file
   (schema 1.x ``location``) where it has one.

A price is kept out of prices, with a counted reason, when it is not a dollar amount
(``percentage``, ``per diem``), not fee for service (``bundle``, ``capitation``), or expired
(``expiration_date`` before the import's date); duplicates are found across files by the importer.
A value of the wrong type or an unknown provider group is a problem naming the JSON path, and that
price is left out (counted ``invalid``); broken or cut-short JSON fails the whole file.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ijson
import pandas as pd

from estimator.payer_rates.sources import SourceError, Task, local_path, open_stream, resolve, top_level_fields

#: The codes this project prices: the four injection codes, moderate sedation and the anesthesia code.
SCOPE = frozenset({"62320", "62321", "62322", "62323", "99152", "99153", "01937"})
CODE_TYPES = frozenset({"CPT", "HCPCS"})
NEGOTIATED_TYPES = frozenset({"negotiated", "derived", "fee schedule", "percentage", "per diem"})
NOT_DOLLARS = {"percentage": "percentage", "per diem": "per_diem"}
ARRANGEMENTS = frozenset({"ffs", "bundle", "capitation"})
BILLING_CLASSES = frozenset({"professional", "institutional", "both"})
SETTINGS = frozenset({"inpatient", "outpatient", "both"})
META_KEYS = frozenset({"reporting_entity_name", "reporting_entity_type", "issuer_name", "plan_name", "plan_id",
                       "plan_id_type", "plan_market_type", "plan_sponsor_name", "last_updated_on", "version"})
NEEDED_META = frozenset({"reporting_entity_name", "last_updated_on", "version"})
#: Columns of the imported rates, in order (one row per negotiated price, provider TIN and NPI).
COLUMNS = ("payer", "reporting_entity", "plan_name", "plan_id", "plan_id_type", "plan_market_type", "file_date",
           "schema_version", "billing_code", "billing_code_type", "negotiation_arrangement", "negotiated_type",
           "negotiated_rate", "billing_class", "setting", "place_of_service", "modifiers", "expiration_date",
           "provider_group_id", "network_name", "tin_type", "tin", "npi", "excluded", "source_file", "json_path")
#: The bills a rate's billing class prices.
BILLS_BY_CLASS = {"professional": ("professional",), "institutional": ("facility",),
                  "both": ("professional", "facility")}


def places_of_service(text: str) -> list[str]:
    """A row's ``place_of_service`` codes; none written means every place (CSTM-00)."""
    return [p for p in text.split(";") if p] or ["CSTM-00"]


#: Reasons a price is kept out of prices (the ``excluded`` column; empty for a usable dollar price).
REASONS = ("percentage", "per_diem", "bundle", "capitation", "expired", "duplicate")


@dataclass
class FileResult:
    """What one file gave: its rows (COLUMNS), counts, problems, sizes (bytes) and time (seconds)."""

    location: str
    rows: pd.DataFrame
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    error: str = ""
    compressed_bytes: int = 0
    json_bytes: int = 0
    seconds: float = 0.0


class _Counting:
    """A stream wrapper counting the (decompressed) bytes read."""

    def __init__(self, stream):
        self.stream, self.n = stream, 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.n += len(data)
        return data


def _strings(value: object, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v.strip() for v in value)
    problems.append(f"{where}: must be an array of strings")
    return None


def _iso_date(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def _price(p: object, where: str, problems: list[str]) -> dict | None:
    """One negotiated price checked; None (with a problem naming its path) if it cannot be used."""
    if not isinstance(p, dict):
        problems.append(f"{where}: must be an object")
        return None
    kind, rate, cls = p.get("negotiated_type"), p.get("negotiated_rate"), p.get("billing_class")
    bad = []
    if kind not in NEGOTIATED_TYPES:
        bad.append(f"{where}.negotiated_type: {kind!r} is not one of {', '.join(sorted(NEGOTIATED_TYPES))}")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or rate != rate or rate < 0:  # noqa: PLR0124
        bad.append(f"{where}.negotiated_rate: {rate!r} is not a number of 0 or more")
    if cls not in BILLING_CLASSES:
        bad.append(f"{where}.billing_class: {cls!r} is not one of {', '.join(sorted(BILLING_CLASSES))}")
    expires = _iso_date(p.get("expiration_date"))
    if expires is None:
        bad.append(f"{where}.expiration_date: {p.get('expiration_date')!r} is not a YYYY-MM-DD date")
    setting = p.get("setting", "")
    if setting and setting not in SETTINGS:
        bad.append(f"{where}.setting: {setting!r} is not one of {', '.join(sorted(SETTINGS))}")
    pos = _strings(p.get("service_code"), f"{where}.service_code", bad)
    mods = _strings(p.get("billing_code_modifier"), f"{where}.billing_code_modifier", bad)
    if bad:
        problems.extend(bad)
        return None
    return {"negotiated_type": kind, "negotiated_rate": float(rate), "billing_class": cls, "setting": setting or "",
            "place_of_service": ";".join(pos or ()), "modifiers": ";".join(mods or ()), "expiration_date": expires}


def _groups(value: object, where: str, problems: list[str]) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """Provider groups as (TIN type, TIN, NPIs); an NPI of 0 (a TIN-level contract) is kept as ''."""
    if not isinstance(value, list):
        problems.append(f"{where}: must be an array")
        return None
    out = []
    for g, grp in enumerate(value):
        tin = grp.get("tin") if isinstance(grp, dict) else None
        npis = grp.get("npi") if isinstance(grp, dict) else None
        if not isinstance(tin, dict) or not isinstance(npis, list):
            problems.append(f"{where}[{g}]: needs npi (an array) and tin (an object)")
            return None
        ids = tuple("" if str(n).strip() in ("0", "") else str(n).strip() for n in npis
                    if isinstance(n, (int, str)) and not isinstance(n, bool))
        out.append((str(tin.get("type", "")), str(tin.get("value", "")).strip(), ids or ("",)))
    return out


class _Reader:
    def __init__(self, task: Task, as_of: date, npis: frozenset[str], tins: frozenset[str]):
        self.task, self.as_of, self.npis, self.tins = task, as_of.isoformat(), npis, tins
        self.counts: Counter = Counter()
        self.problems: list[str] = []
        self.records: list[dict] = []  # one per kept negotiated price, with its provider groups
        self.needed: set[int] = set()

    def in_network(self, stream) -> None:
        i = -1
        try:
            for i, item in enumerate(ijson.items(stream, "in_network.item", use_float=True)):
                self._item(item, f"in_network[{i}]")
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(self.task.location, f"broken or cut-short JSON ({e})",
                              f"in_network[{i + 1}]" if i >= 0 else "in_network") from None
        self.counts["in_network_items"] = i + 1

    def _item(self, item: object, where: str) -> None:
        if not isinstance(item, dict):
            self.problems.append(f"{where}: must be an object")
            return
        code, ctype = str(item.get("billing_code", "")).strip(), str(item.get("billing_code_type", "")).strip()
        if code not in SCOPE or ctype.upper() not in CODE_TYPES:
            self.counts["other_codes"] += 1
            return
        arrangement = item.get("negotiation_arrangement")
        if arrangement not in ARRANGEMENTS:
            self.problems.append(f"{where}.negotiation_arrangement: {arrangement!r} is not one of "
                                 f"{', '.join(sorted(ARRANGEMENTS))}")
            return
        rates = item.get("negotiated_rates")
        if not isinstance(rates, list):
            self.problems.append(f"{where}.negotiated_rates: must be an array")
            return
        for j, nr in enumerate(rates):
            at = f"{where}.negotiated_rates[{j}]"
            if not isinstance(nr, dict):
                self.problems.append(f"{at}: must be an object")
                continue
            if "provider_groups" in nr:  # schema 1.x: the providers written in place
                groups = _groups(nr["provider_groups"], f"{at}.provider_groups", self.problems)
                refs: list[int] = []
            else:
                groups, refs = [], nr.get("provider_references")
                if not isinstance(refs, list) or not all(isinstance(r, (int, float)) and not isinstance(r, bool)
                                                         for r in refs):
                    self.problems.append(f"{at}.provider_references: must be an array of provider group ids")
                    groups = None
                else:
                    refs = [int(r) for r in refs]
            prices = nr.get("negotiated_prices")
            if groups is None or not isinstance(prices, list):
                if not isinstance(prices, list):
                    self.problems.append(f"{at}.negotiated_prices: must be an array")
                self.counts["invalid"] += len(prices) if isinstance(prices, list) else 1
                continue
            self.needed.update(refs)
            for k, p in enumerate(prices):
                price = _price(p, f"{at}.negotiated_prices[{k}]", self.problems)
                if price is None:
                    self.counts["invalid"] += 1
                    continue
                excluded = (NOT_DOLLARS.get(price["negotiated_type"], "")
                            or (arrangement if arrangement != "ffs" else "")
                            or ("expired" if price["expiration_date"] < self.as_of else ""))
                self.records.append({**price, "billing_code": code, "billing_code_type": ctype.upper(),
                                     "negotiation_arrangement": arrangement, "excluded": excluded,
                                     "json_path": f"{at}.negotiated_prices[{k}]", "refs": refs, "groups": groups})

    def provider_references(self, stream, path: str) -> dict[int, tuple[str, list]]:
        """The used provider groups by id: (network name, groups)."""
        found: dict[int, tuple[str, list]] = {}
        i = -1
        try:
            for i, ref in enumerate(ijson.items(stream, "provider_references.item", use_float=True)):
                where = f"provider_references[{i}]"
                gid = ref.get("provider_group_id") if isinstance(ref, dict) else None
                if not isinstance(gid, (int, float)) or isinstance(gid, bool) or int(gid) not in self.needed:
                    continue
                network = ";".join(n for n in ref.get("network_name") or [] if isinstance(n, str))
                if "provider_groups" in ref:
                    groups = _groups(ref["provider_groups"], f"{where}.provider_groups", self.problems)
                elif isinstance(ref.get("location"), str):
                    groups = self._remote_groups(resolve(ref["location"], path), f"{where}.location")
                else:
                    self.problems.append(f"{where}: needs provider_groups or a location")
                    groups = None
                if groups is not None:
                    found[int(gid)] = (network, groups)
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(self.task.location, f"broken or cut-short JSON ({e})",
                              f"provider_references[{i + 1}]") from None
        return found

    def _remote_groups(self, location: str, where: str) -> list | None:
        """A schema 1.x provider reference file's groups (``provider_groups[]``)."""
        try:
            path, temp = local_path(location)
        except SourceError as e:
            self.problems.append(f"{where}: {location}: {e.message}")
            return None
        try:
            with open_stream(path) as s:
                return _groups(list(ijson.items(s, "provider_groups.item", use_float=True)), f"{where} "
                               f"({location}) provider_groups", self.problems)
        except (ijson.JSONError, EOFError, OSError) as e:
            self.problems.append(f"{where}: {location}: broken or cut-short JSON ({e})")
            return None
        finally:
            if temp:
                Path(path).unlink(missing_ok=True)

    def rows(self, meta: dict, refs: dict[int, tuple[str, list]]) -> pd.DataFrame:
        """One row per kept price, provider TIN and NPI (filtered by the clinic's NPIs and TINs)."""
        plans = self.task.plans
        plan = {k: str(meta.get(k, "")) for k in ("plan_name", "plan_id", "plan_id_type", "plan_market_type")}
        if plans and not plan["plan_name"]:
            plan = {k: "; ".join(str(p.get(k, "")) for p in plans) for k in plan}
        entity = str(meta.get("reporting_entity_name", "") or self.task.payer)
        issuer = str(meta.get("issuer_name", "") or next((p.get("issuer_name") for p in plans if p.get("issuer_name")),
                                                          ""))
        fixed = {"payer": issuer or entity, "reporting_entity": entity, **plan,
                 "file_date": _iso_date(meta.get("last_updated_on")) or "",
                 "schema_version": str(meta.get("version", "")), "source_file": self.task.location}
        out = []
        for rec in self.records:
            sets = [("", -1, rec["groups"])] if rec["groups"] else []
            for r in rec["refs"]:
                if r not in refs:
                    self.problems.append(f"{rec['json_path'].rsplit('.negotiated_prices', 1)[0]}.provider_references: "
                                         f"provider group {r} is not defined in provider_references")
                    self.counts["unknown_provider_group"] += 1
                    continue
                sets.append((refs[r][0], r, refs[r][1]))
            base = {k: rec[k] for k in rec if k not in ("refs", "groups")}
            for network, gid, groups in sets:
                for tin_type, tin, npis in groups:
                    tin_hit = not self.tins or tin in self.tins
                    for npi in npis:
                        if (self.tins or self.npis) and not ((self.tins and tin_hit) or (npi and npi in self.npis)):
                            continue
                        out.append({**base, **fixed, "provider_group_id": gid, "network_name": network,
                                    "tin_type": tin_type, "tin": tin, "npi": npi})
        frame = pd.DataFrame(out, columns=list(COLUMNS))
        return frame.astype({"negotiated_rate": float, "provider_group_id": "int64"})


def read_file(task: Task, as_of: date | None = None, npis: frozenset[str] = frozenset(),
              tins: frozenset[str] = frozenset(), spool: str | None = None) -> FileResult:
    """Read one in-network file; a file that cannot be read gives a result with its ``error``."""
    start = time.perf_counter()
    reader = _Reader(task, as_of or date.today(), npis, tins)
    empty = pd.DataFrame(columns=list(COLUMNS))
    try:
        path, temp = local_path(task.location, spool)
    except SourceError as e:
        return FileResult(task.location, empty, error=str(e), seconds=time.perf_counter() - start)
    try:
        meta = top_level_fields(path, META_KEYS, NEEDED_META)
        with open_stream(path) as s:
            counted = _Counting(s)
            reader.in_network(counted)
        refs = {}
        if reader.needed:
            with open_stream(path) as s:
                refs = reader.provider_references(s, task.location)
        rows = reader.rows(meta, refs)
        size = Path(path).stat().st_size
    except SourceError as e:
        return FileResult(task.location, empty, reader.counts, reader.problems, error=str(e),
                          seconds=time.perf_counter() - start)
    except (ijson.JSONError, EOFError, OSError) as e:
        return FileResult(task.location, empty, reader.counts, reader.problems,
                          error=f"{task.location}: broken or cut-short JSON ({e})", seconds=time.perf_counter() - start)
    finally:
        if temp:
            Path(path).unlink(missing_ok=True)
    return FileResult(task.location, rows, reader.counts, reader.problems, compressed_bytes=size,
                      json_bytes=counted.n, seconds=time.perf_counter() - start)
