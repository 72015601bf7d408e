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
(``percentage``, ``per diem``), not fee for service (``bundle``, ``capitation``), for an inpatient
stay (``setting`` inpatient: not this outpatient procedure), of zero or fewer dollars
(``zero_or_negative``: a placeholder, not a price), of more than ``MAX_PLAUSIBLE_RATE`` dollars
(``implausible``: a placeholder such as 999999.99), or expired (``expiration_date`` before the
import's date); duplicates are found across files by the importer.

A value of the wrong type (text where a number belongs, an array where text belongs, a provider
group id or NPI that is not a whole number, a provider group id past 2**63 - 1, a TIN with no value)
or an unknown provider group is a problem naming its JSON path, and what it spoils is left out and
counted ``invalid``: a price, or a price's rows from one provider group. An item whose values
defeat every check is left out whole, named by its path, and the rest of the file is read. A
top-level field (payer, plan, date, version) given an array, an object or true/false is a problem
naming it, and the field is left blank (a rate of no named payer makes no band and no price-list
line). Broken or cut-short JSON, or a file without the array ``in_network``, fails the whole file.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ijson
import pandas as pd

from estimator.payer_rates.sources import (
    SourceError,
    Task,
    local_path,
    open_stream,
    resolve,
    said,
    top_level_event,
    top_level_fields,
)

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


#: The largest NPI: ten digits (CMS's National Provider Identifier); 0 is a TIN-level contract.
MAX_NPI = 9_999_999_999
#: The largest provider group id: the schemas set none, but the rates table stores ids as int64.
MAX_GROUP_ID = 2**63 - 1
#: The most dollars a negotiated rate may be and still be a price (US dollars, per service). One
#: outpatient epidural injection, its sedation or its anesthesia is paid some hundreds to a few
#: thousand dollars (Medicare's facility fee for 62321 is under $1,000), so a rate above $50,000 is a
#: placeholder (99999.99, 999999.99 and 9999999.99 are common in insurers' files): kept out as
#: ``implausible``.
MAX_PLAUSIBLE_RATE = 50_000.0
#: Errors a value of an unforeseen type can raise while an item is read; the item is then left out.
WRONG_VALUE = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)


def places_of_service(text: str, bill: str) -> list[str]:
    """The places of service (CMS's two-digit codes, CSTM-00 every place) a row's ``place_of_service``
    prices for one bill (``professional`` or ``facility``, BILLS_BY_CLASS). None written: every place
    for the doctor's bill; no known place for the facility's, since a facility's claim names its bill
    type, not a place of service (a surgery center is only one that writes 24)."""
    written = [p for p in text.split(";") if p]
    if written or bill == "facility":
        return written
    return ["CSTM-00"]


#: Reasons a price is kept out of prices (the ``excluded`` column; empty for a usable dollar price).
REASONS = ("percentage", "per_diem", "bundle", "capitation", "inpatient", "zero_or_negative", "implausible",
           "expired", "duplicate")
#: What a provider group id must be, for messages.
GROUP_ID = f"a provider group id: a whole number from 0 to {MAX_GROUP_ID}"


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


def _one_of(value: object, allowed: frozenset[str], where: str, problems: list[str]) -> str | None:
    """``value`` if it is text among ``allowed``; else None, with a problem naming the allowed values."""
    if isinstance(value, str) and value in allowed:
        return value
    problems.append(f"{where}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return None


def _whole(value: object, where: str, problems: list[str], what: str, top: float = math.inf) -> int | None:
    """``value`` as a whole number from 0 to ``top``: an integer, or a number written with a decimal
    point whose value is whole (1234567890.0); else None, with a problem naming ``what`` it should be."""
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer()) or not 0 <= value <= top):
        problems.append(f"{where}: {value!r} is not {what}")
        return None
    return int(value)


def _npi(value: object, where: str, problems: list[str]) -> str | None:
    """An NPI as text ('' for 0 or '', a TIN-level contract); None, with a problem, if not a whole number."""
    if isinstance(value, str):
        if not value.strip():
            return ""
        if value.strip().isdigit():
            value = int(value.strip())
    n = _whole(value, where, problems, "an NPI: a whole number of up to ten digits (0 for a TIN-level contract)",
               MAX_NPI)
    return None if n is None else "" if n == 0 else str(n)


def _prices_in(item: object) -> int:
    """How many negotiated prices an item holds, as far as its shape can be read (at least 1)."""
    rates = item.get("negotiated_rates") if isinstance(item, dict) else None
    if not isinstance(rates, list):
        return 1
    return max(1, sum(len(nr["negotiated_prices"]) for nr in rates
                      if isinstance(nr, dict) and isinstance(nr.get("negotiated_prices"), list)))


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
    rate = p.get("negotiated_rate")
    bad: list[str] = []
    kind = _one_of(p.get("negotiated_type"), NEGOTIATED_TYPES, f"{where}.negotiated_type", bad)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        bad.append(f"{where}.negotiated_rate: {rate!r} is not a number")
    cls = _one_of(p.get("billing_class"), BILLING_CLASSES, f"{where}.billing_class", bad)
    expires = _iso_date(p.get("expiration_date"))
    if expires is None:
        bad.append(f"{where}.expiration_date: {p.get('expiration_date')!r} is not a YYYY-MM-DD date")
    setting = p.get("setting")  # schema 1.x has none
    setting = "" if setting in (None, "") else _one_of(setting, SETTINGS, f"{where}.setting", bad)
    pos = _strings(p.get("service_code"), f"{where}.service_code", bad)
    mods = _strings(p.get("billing_code_modifier"), f"{where}.billing_code_modifier", bad)
    if bad:
        problems.extend(bad)
        return None
    return {"negotiated_type": kind, "negotiated_rate": float(rate), "billing_class": cls, "setting": setting,
            "place_of_service": ";".join(pos or ()), "modifiers": ";".join(mods or ()), "expiration_date": expires}


def _groups(value: object, where: str, problems: list[str]) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """Provider groups as (TIN type, TIN, NPIs); an NPI of 0 (a TIN-level contract) is kept as ''.
    None (with problems naming the paths) if a group has no TIN as text or an NPI that is not one."""
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
        tin_type, tin_value = tin.get("type", ""), tin.get("value", "")
        if not isinstance(tin_type, str) or not isinstance(tin_value, str):
            problems.append(f"{where}[{g}].tin: type and value must be text, e.g. ein and 12-3456789")
            return None
        if not tin_value.strip():  # rates are contracted per tax ID: one without it backs no band
            problems.append(f"{where}[{g}].tin.value: must be the tax ID (text, e.g. 12-3456789), not empty")
            return None
        ids = [_npi(n, f"{where}[{g}].npi[{k}]", problems) for k, n in enumerate(npis)]
        if None in ids:
            return None
        out.append((tin_type, tin_value.strip(), tuple(ids) or ("",)))
    return out


#: The columns a row takes from its price record (the rest are the file's, or the provider's).
PRICE_COLUMNS = ("billing_code", "billing_code_type", "negotiation_arrangement", "negotiated_type", "negotiated_rate",
                 "billing_class", "setting", "place_of_service", "modifiers", "expiration_date", "excluded",
                 "json_path")
PROVIDER_COLUMNS = ("provider_group_id", "network_name", "tin_type", "tin", "npi")


class _Reader:
    def __init__(self, task: Task, as_of: date, npis: frozenset[str], tins: frozenset[str]):
        self.task, self.as_of, self.npis, self.tins = task, as_of.isoformat(), npis, tins
        self.counts: Counter = Counter()
        self.problems: list[str] = []
        self.records: list[dict] = []  # one per kept negotiated price, with its provider groups
        self.needed: set[int] = set()
        self.bad_groups: set[int] = set()  # provider group ids defined with a wrong value

    def in_network(self, stream) -> int:
        """Read ``in_network[]``; the number of items."""
        i = -1
        try:
            for i, item in enumerate(ijson.items(stream, "in_network.item", use_float=True)):
                self._guarded(self._item, item, f"in_network[{i}]")
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(self.task.location, f"broken or cut-short JSON ({said(e)})",
                              f"in_network[{i + 1}]" if i >= 0 else "in_network") from None
        self.counts["in_network_items"] = i + 1
        return i + 1

    def _guarded(self, read: Callable[[object, str], None], value: object, where: str, key: str = "invalid") -> None:
        """``read(value, where)``; if a value of an unforeseen type defeats it, what it kept is dropped,
        counted under ``key`` (``invalid``: the item's prices) and the problem names ``where``."""
        kept, before = len(self.records), self.counts[key]
        try:
            read(value, where)
        except WRONG_VALUE as e:
            del self.records[kept:]
            self.counts[key] = before + (_prices_in(value) if key == "invalid" else 1)
            self.problems.append(f"{where}: a value of the wrong type, left out ({type(e).__name__}: {e})")

    def _item(self, item: object, where: str) -> None:
        if not isinstance(item, dict):
            self.problems.append(f"{where}: must be an object")
            self.counts["invalid"] += 1
            return
        code, ctype = item.get("billing_code"), item.get("billing_code_type")
        if not isinstance(code, str) or not isinstance(ctype, str):
            self.problems.append(f"{where}: billing_code and billing_code_type must be text, e.g. 62321 and CPT "
                                 f"(found {code!r} and {ctype!r})")
            self.counts["invalid"] += _prices_in(item)
            return
        code, ctype = code.strip(), ctype.strip().upper()
        if code not in SCOPE or ctype not in CODE_TYPES:
            self.counts["other_codes"] += 1
            return
        arrangement = _one_of(item.get("negotiation_arrangement"), ARRANGEMENTS, f"{where}.negotiation_arrangement",
                              self.problems)
        rates = item.get("negotiated_rates")
        if arrangement is None or not isinstance(rates, list):
            if arrangement is not None:
                self.problems.append(f"{where}.negotiated_rates: must be an array")
            self.counts["invalid"] += _prices_in(item)
            return
        for j, nr in enumerate(rates):
            self._rate(nr, f"{where}.negotiated_rates[{j}]", code, ctype, arrangement)

    def _rate(self, nr: object, at: str, code: str, ctype: str, arrangement: str) -> None:
        """One ``negotiated_rates[]`` entry: its prices, with the provider groups they apply to."""
        if not isinstance(nr, dict):
            self.problems.append(f"{at}: must be an object")
            self.counts["invalid"] += 1
            return
        refs: list[int] = []
        if "provider_groups" in nr:  # schema 1.x: the providers written in place
            groups = _groups(nr["provider_groups"], f"{at}.provider_groups", self.problems)
        else:
            groups, written = [], nr.get("provider_references")
            if not isinstance(written, list):
                self.problems.append(f"{at}.provider_references: must be an array of provider group ids")
                groups = None
            else:
                ids = [_whole(r, f"{at}.provider_references[{n}]", self.problems, GROUP_ID, MAX_GROUP_ID)
                       for n, r in enumerate(written)]
                if None in ids:
                    groups = None
                else:
                    refs = [r for r in ids if r is not None]
        prices = nr.get("negotiated_prices")
        if groups is None or not isinstance(prices, list):
            if not isinstance(prices, list):
                self.problems.append(f"{at}.negotiated_prices: must be an array")
            self.counts["invalid"] += len(prices) if isinstance(prices, list) else 1
            return
        self.needed.update(refs)
        for k, p in enumerate(prices):
            price = _price(p, f"{at}.negotiated_prices[{k}]", self.problems)
            if price is None:
                self.counts["invalid"] += 1
                continue
            excluded = (NOT_DOLLARS.get(price["negotiated_type"], "")
                        or (arrangement if arrangement != "ffs" else "")
                        or ("inpatient" if price["setting"] == "inpatient" else "")
                        or ("zero_or_negative" if price["negotiated_rate"] <= 0 else "")
                        or ("implausible" if price["negotiated_rate"] > MAX_PLAUSIBLE_RATE else "")
                        or ("expired" if price["expiration_date"] < self.as_of else ""))
            self.records.append({**price, "billing_code": code, "billing_code_type": ctype,
                                 "negotiation_arrangement": arrangement, "excluded": excluded,
                                 "json_path": f"{at}.negotiated_prices[{k}]", "refs": refs, "groups": groups})

    def provider_references(self, stream, path: str) -> dict[int, tuple[str, list]]:
        """The used provider groups by id: (network name, groups)."""
        found: dict[int, tuple[str, list]] = {}
        i = -1

        def one(ref: object, where: str) -> None:
            gid = ref.get("provider_group_id") if isinstance(ref, dict) else None
            gid = _whole(gid, f"{where}.provider_group_id", self.problems, GROUP_ID, MAX_GROUP_ID)
            if gid is None:
                self.counts["invalid_provider_groups"] += 1
                return
            if gid not in self.needed:
                return
            names = _strings(ref.get("network_name"), f"{where}.network_name", self.problems)
            if "provider_groups" in ref:
                groups = _groups(ref["provider_groups"], f"{where}.provider_groups", self.problems)
            elif isinstance(ref.get("location"), str):
                groups = self._remote_groups(ref["location"], path, f"{where}.location")
            else:
                self.problems.append(f"{where}: needs provider_groups or a location")
                groups = None
            if groups is None:
                self.bad_groups.add(gid)
                self.counts["invalid_provider_groups"] += 1
            else:
                found[gid] = (";".join(names or ()), groups)

        try:
            for i, ref in enumerate(ijson.items(stream, "provider_references.item", use_float=True)):
                self._guarded(one, ref, f"provider_references[{i}]", "invalid_provider_groups")
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(self.task.location, f"broken or cut-short JSON ({said(e)})",
                              f"provider_references[{i + 1}]") from None
        return found

    def _remote_groups(self, written: str, base: str, where: str) -> list | None:
        """A schema 1.x provider reference file's groups (``provider_groups[]``), at ``written`` (as
        the file at ``base`` gives it, at JSON path ``where``)."""
        try:
            location = resolve(written, base, where)
            path, temp = local_path(location)
        except SourceError as e:
            self.problems.append(f"{where}: {e.message}" if e.location == base else f"{where}: {e}")
            return None
        try:
            with open_stream(path) as s:
                return _groups(list(ijson.items(s, "provider_groups.item", use_float=True)), f"{where} "
                               f"({location}) provider_groups", self.problems)
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            self.problems.append(f"{where}: {location}: broken or cut-short JSON ({said(e)})")
            return None
        finally:
            if temp:
                Path(path).unlink(missing_ok=True)

    def rows(self, meta: dict, refs: dict[int, tuple[str, list]]) -> pd.DataFrame:
        """One row per kept price, provider TIN and NPI (filtered by the clinic's NPIs and TINs), built
        as one list per column: a row costs a list slot per provider column and an index to its price."""
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
        which: list[int] = []  # each row's price record
        cols: dict[str, list] = {c: [] for c in PROVIDER_COLUMNS}
        for n, rec in enumerate(self.records):
            sets = [("", -1, rec["groups"])] if rec["groups"] else []
            for r in rec["refs"]:
                if r in self.bad_groups:  # its problem is named where the group is defined
                    self.counts["invalid"] += 1
                elif r not in refs:
                    self.problems.append(f"{rec['json_path'].rsplit('.negotiated_prices', 1)[0]}.provider_references: "
                                         f"provider group {r} is not defined in provider_references")
                    self.counts["unknown_provider_group"] += 1
                else:
                    sets.append((refs[r][0], r, refs[r][1]))
            for network, gid, groups in sets:
                for tin_type, tin, npis in groups:
                    tin_hit = not self.tins or tin in self.tins
                    for npi in npis:
                        if (self.tins or self.npis) and not ((self.tins and tin_hit) or (npi and npi in self.npis)):
                            continue
                        which.append(n)
                        for c, v in zip(PROVIDER_COLUMNS, (gid, network, tin_type, tin, npi), strict=True):
                            cols[c].append(v)
        for c in PRICE_COLUMNS:
            per_price = [rec[c] for rec in self.records]
            cols[c] = [per_price[n] for n in which]
        frame = pd.DataFrame({c: cols[c] if c in cols else [fixed[c]] * len(which) for c in COLUMNS},
                             columns=list(COLUMNS))
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
        wrong: dict[str, str] = {}
        meta = top_level_fields(path, META_KEYS, NEEDED_META, wrong)
        reader.problems += [f"{k}: must be text, not {v}; left blank" for k, v in sorted(wrong.items())]
        with open_stream(path) as s:
            counted = _Counting(s)
            items = reader.in_network(counted)
        if not items:  # an empty array is a file of no rates; no array at all is not an in-network file
            event = top_level_event(path, "in_network")
            if event is None:
                raise SourceError(task.location, "missing: an in-network rate file gives its rates in the "
                                  "top-level array in_network", "in_network")
            if event != "start_array":
                raise SourceError(task.location, f"must be an array, not {event.removeprefix('start_')}",
                                  "in_network")
        refs = {}
        if reader.needed:
            with open_stream(path) as s:
                refs = reader.provider_references(s, task.location)
        rows = reader.rows(meta, refs)
        size = Path(path).stat().st_size
    except SourceError as e:
        return FileResult(task.location, empty, reader.counts, reader.problems, error=str(e),
                          seconds=time.perf_counter() - start)
    except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
        return FileResult(task.location, empty, reader.counts, reader.problems,
                          error=f"{task.location}: broken or cut-short JSON ({said(e)})",
                          seconds=time.perf_counter() - start)
    finally:
        if temp:
            Path(path).unlink(missing_ok=True)
    return FileResult(task.location, rows, reader.counts, reader.problems, compressed_bytes=size,
                      json_bytes=counted.n, seconds=time.perf_counter() - start)
