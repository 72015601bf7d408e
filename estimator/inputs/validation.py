"""Validation of scenarios, one or a million at once, by one program.

``check_frame(df)`` reads every column of a DataFrame of scenarios with the registry's parser
(``fields.read``, applied once per distinct value; numeric columns are checked with array
operations that apply the same rules), then applies the cross-field ``RULES`` as vectorised
predicates. ``check_values(dict)`` runs exactly the same code on a one-row table, so the single
quote API, the batch API, the command line, the dashboard and the front desk accept and refuse the
same inputs with the same messages.

A row's problems are first the fields that cannot be read (each message names the field and what
is allowed), then, only if every field was read, the rules that combine fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from estimator.common.errors import FieldError
from estimator.common.i18n import N_, _
from estimator.inputs.fields import (
    COVERAGE,
    COVERAGE_LABELS,
    FIELDS,
    PLACE_FIELDS,
    REGISTRY,
    SEDATION,
    FieldSpec,
    is_blank,
    read,
    show,
)
from estimator.reference import geography
from estimator.reference.tables import SITES, YEARS, RefData

_SMALL = 16  # columns this short are read value by value (no pandas factorising)


@dataclass
class Columns:
    """Every field of n scenarios, read.

    ``num[name]``: float64 for number fields (NaN = no value); ``idx[name]``: int64 index into the
    field's choices for choice fields (-1 = no value); place fields as ``place_codes[name]`` (index
    into ``place_values[name]``, the distinct normalised texts; -1 = blank). ``given[name]``: the
    cell was not blank. ``problem[name]``: int64 index into ``messages[name]`` for a cell that could
    not be read, else -1.
    """

    n: int
    num: dict[str, np.ndarray] = field(default_factory=dict)
    idx: dict[str, np.ndarray] = field(default_factory=dict)
    place_codes: dict[str, np.ndarray] = field(default_factory=dict)
    place_values: dict[str, np.ndarray] = field(default_factory=dict)
    _masks: dict[tuple[str, frozenset[str], bool], np.ndarray] = field(default_factory=dict)
    given: dict[str, np.ndarray] = field(default_factory=dict)
    problem: dict[str, np.ndarray] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    loc: np.ndarray | None = None  # resolved locality index (with a RefData)
    state: np.ndarray | None = None  # resolved state index

    def has(self, name: str) -> np.ndarray:
        """Rows where the field has a value (given and read, or a default)."""
        if name in self.num:
            return ~np.isnan(self.num[name])
        if name in self.idx:
            return self.idx[name] >= 0
        return self.place_codes[name] >= 0

    def isin(self, name: str, codes: frozenset[str], blank: bool = False) -> np.ndarray:
        """Rows whose choice field is one of ``codes`` (or has no value, with ``blank``); cached, since
        many rules ask the same question."""
        key = (name, codes, blank)
        if key not in self._masks:
            choices = FIELDS[name].choices
            table = np.zeros(len(choices) + 1, dtype=bool)  # the last entry answers for -1 (no value)
            table[[choices.index(x) for x in codes if x in choices]] = True
            table[-1] = blank
            self._masks[key] = table[self.idx[name]]
        return self._masks[key]

    def place_text(self, name: str, i: int) -> str:
        k = int(self.place_codes[name][i])
        return "" if k < 0 else str(self.place_values[name][k])


def _factorize(values: object, n: int) -> tuple[np.ndarray, list[object]]:
    """(code per row, distinct values); work is done once per distinct value."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(np.int64), list(values.cat.categories)
    if n <= _SMALL:
        vals = list(values)
        uniq: dict[object, int] = {}
        codes = np.empty(n, dtype=np.int64)
        for i, v in enumerate(vals):
            key = ("nan",) if isinstance(v, float) and v != v else (type(v).__name__, v)
            codes[i] = uniq.setdefault(key, len(uniq))
        firsts: dict[int, object] = {}
        for i, v in enumerate(vals):
            firsts.setdefault(int(codes[i]), v)
        return codes, [firsts[k] for k in range(len(uniq))]
    codes, uniques = pd.factorize(pd.Series(values, copy=False).astype(object), use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), list(uniques)


def _gather(per_unique: np.ndarray, codes: np.ndarray, blank: object) -> np.ndarray:
    table = np.append(per_unique, np.asarray([blank], dtype=per_unique.dtype))
    return table[codes]  # code -1 takes the last entry: the blank value


_NO_PROBLEM = np.int64(-1)


def _read_one(spec: FieldSpec, raw: object, cols: Columns) -> None:
    """A one-row column, read as _read_column would (the single-scenario path, without factorising)."""
    blank = is_blank(raw)
    value, msg = read(spec, raw)
    cols.given[spec.name] = np.array([not blank])
    cols.problem[spec.name] = np.array([0 if msg is not None else -1], dtype=np.int64)
    cols.messages[spec.name] = [msg] if msg is not None else []
    d = spec.default
    if spec.is_number:
        v = (np.nan if d is None else float(d)) if blank else (np.nan if value is None else float(value))
        cols.num[spec.name] = np.array([v], dtype=float)
    elif spec.kind == "choice":
        k = (-1 if d is None else spec.choices.index(d)) if blank else (-1 if value is None
                                                                       else spec.choices.index(value))
        cols.idx[spec.name] = np.array([k], dtype=np.int64)
    elif spec.kind == "flag":
        k = int(bool(d)) if blank else (-1 if value is None else int(bool(value)))
        cols.idx[spec.name] = np.array([k], dtype=np.int64)
    else:
        cols.place_codes[spec.name] = np.array([-1 if blank else 0], dtype=np.int64)
        cols.place_values[spec.name] = np.array([] if blank else ["" if value is None else value], dtype=object)


def _read_column(spec: FieldSpec, values: object, n: int, cols: Columns) -> None:
    """Read one column into ``cols`` with fields.read, once per distinct value."""
    if n == 1 and not isinstance(values, pd.Series):
        _read_one(spec, next(iter(values)), cols)
        return
    codes, uniques = _factorize(values, n)
    messages: list[str] = []
    problem_u = np.full(len(uniques), -1, dtype=np.int64)
    blank_u = np.zeros(len(uniques), dtype=bool)
    parsed: list[object] = []
    for k, raw in enumerate(uniques):
        blank_u[k] = is_blank(raw)
        value, msg = read(spec, raw)
        if msg is not None:
            problem_u[k] = len(messages)
            messages.append(msg)
        parsed.append(value)
    if blank_u.any():  # blank text is no value: treat it like a missing cell
        codes = np.where(blank_u[np.maximum(codes, 0)] & (codes >= 0), -1, codes)
    cols.given[spec.name] = codes >= 0
    cols.problem[spec.name] = (_gather(problem_u, codes, -1) if messages
                               else np.broadcast_to(_NO_PROBLEM, (n,)))
    cols.messages[spec.name] = messages
    default = spec.default
    if spec.is_number:
        u = np.array([np.nan if v is None else float(v) for v in parsed], dtype=float)
        cols.num[spec.name] = _gather(u, codes, np.nan if default is None else float(default))
    elif spec.kind == "choice":
        u = np.array([-1 if v is None else spec.choices.index(v) for v in parsed], dtype=np.int64)
        cols.idx[spec.name] = _gather(u, codes, -1 if default is None else spec.choices.index(default))
    elif spec.kind == "flag":  # indexed like a choice: no = 0, yes = 1
        u = np.array([-1 if v is None else int(bool(v)) for v in parsed], dtype=np.int64)
        cols.idx[spec.name] = _gather(u, codes, int(bool(default)))
    else:
        cols.place_codes[spec.name] = codes
        cols.place_values[spec.name] = np.array(["" if v is None else v for v in parsed], dtype=object)


def _number_ok(spec: FieldSpec, v: np.ndarray) -> np.ndarray:
    """The array form of fields.read's checks on a number; NaN (blank) counts as fine, and +/-inf
    is out of every range."""
    if spec.kind == "year":
        return np.isnan(v) | np.isin(v, YEARS)
    ok = ~((v < spec.low) | (v > spec.high))
    if spec.kind == "count":
        ok &= ~(v != np.floor(v)) | np.isnan(v)
    return ok


def _read_numbers(spec: FieldSpec, s: pd.Series, cols: Columns) -> None:
    """A numeric column (float or int dtype) read with array operations, with the same rules and
    messages as fields.read."""
    v = s.to_numpy(dtype=float, na_value=np.nan)
    ok = _number_ok(spec, v)
    blank = np.isnan(v)
    cols.given[spec.name] = ~blank
    default = np.nan if spec.default is None else float(spec.default)
    if ok.all():
        cols.problem[spec.name] = np.broadcast_to(_NO_PROBLEM, (len(v),))
        cols.messages[spec.name] = []
        cols.num[spec.name] = v if np.isnan(default) or not blank.any() else np.where(blank, default, v)
        return
    problem = np.full(len(v), -1, dtype=np.int64)
    bad_rows = np.flatnonzero(~ok)
    uniq, inverse = np.unique(v[bad_rows], return_inverse=True)
    messages = []
    for u in uniq:
        _, msg = read(spec, float(u))
        messages.append(msg or _("'{value}' is not allowed: {allowed}").format(value=show(float(u)),
                                                                               allowed=spec.allowed()))
    problem[bad_rows] = inverse
    cols.problem[spec.name] = problem
    cols.messages[spec.name] = messages
    cols.num[spec.name] = np.where(blank, default, np.where(ok, v, np.nan))


def _const(value: np.generic, n: int) -> np.ndarray:
    """n copies of a value: a read-only broadcast (no per-row memory), or a small array for few rows."""
    return np.full(n, value) if n <= _SMALL else np.broadcast_to(value, (n,))


def _absent(spec: FieldSpec, n: int, cols: Columns) -> None:
    """A field with no column: every row takes the default."""
    cols.given[spec.name] = _const(np.False_, n)
    cols.problem[spec.name] = _const(_NO_PROBLEM, n)
    cols.messages[spec.name] = []
    d = spec.default
    if spec.is_number:
        cols.num[spec.name] = _const(np.float64(np.nan if d is None else d), n)
    elif spec.kind == "choice":
        cols.idx[spec.name] = _const(np.int64(-1 if d is None else spec.choices.index(d)), n)
    elif spec.kind == "flag":
        cols.idx[spec.name] = _const(np.int64(int(bool(d))), n)
    else:
        cols.place_codes[spec.name] = _const(np.int64(-1), n)
        cols.place_values[spec.name] = np.array([], dtype=object)


# -- cross-field rules ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """A rule over several fields: where it is reported, when it is broken (vectorised) and why."""

    field: str
    broken: Callable[[Columns], np.ndarray]
    message: Callable[[Columns, int], str]


def _money(c: Columns, name: str, i: int) -> str:
    return f"${float(c.num[name][i]):,.2f}"


def _neutral(c: Columns, spec: FieldSpec) -> np.ndarray:
    """Rows where the field holds a value that changes nothing (accepted where it does not apply)."""
    vals = spec.neutral_values
    if spec.is_number:
        v = c.num[spec.name]
        out = np.isnan(v) if None in vals else np.zeros(len(v), dtype=bool)
        for x in vals:
            if x is not None:
                out |= v == float(x)
        return out
    if spec.kind == "choice":
        return c.isin(spec.name, frozenset(x for x in vals if x is not None), blank=None in vals)
    if spec.kind == "flag":
        return c.idx[spec.name] == int(bool(spec.default))
    return ~c.given[spec.name]


def _not_applicable_rule(spec: FieldSpec) -> Rule:
    def broken(c: Columns) -> np.ndarray:
        elsewhere = (c.idx["coverage"] >= 0) & ~(c.isin("coverage", spec.coverages)
                                                  & c.isin("sedation", spec.sedations))
        return elsewhere & ~_neutral(c, spec) if elsewhere.any() else elsewhere

    def message(c: Columns, i: int) -> str:
        cov = COVERAGE[c.idx["coverage"][i]]
        if cov not in spec.coverages:
            why = (_(spec.not_applicable[cov]) if spec.not_applicable.get(cov)
                   else _("does not apply to {coverage}").format(coverage=_(COVERAGE_LABELS[cov])))
        else:
            why = _("applies only with sedation {values}").format(
                values=_or([s for s in SEDATION if s in spec.sedations]))
        shown = [show(x) for x in spec.neutral_values if x is not None]
        return (_("{why}: allowed: {values} or leave it out").format(why=why, values=_or(shown)) if shown
                else _("{why}: leave it out").format(why=why))

    return Rule(spec.name, broken, message)


def _or(words: list[str]) -> str:
    """'a', 'a or b', 'a or b or c' in the current language."""
    out = words[0] if words else ""
    for w in words[1:]:
        out = _("{first} or {last}").format(first=out, last=w)
    return out


def _medicaid_limit(name: str) -> float:
    """A federal Medicaid cost-sharing limit (data/medicare_parameters.csv, from the curated figures)."""
    from estimator.reference.tables import load

    return load().param(name, YEARS[-1])


def _place_count(c: Columns) -> np.ndarray:
    given = sum(c.given[f].astype(np.int8) for f in PLACE_FIELDS)
    return given != 1


#: The problem of a scenario with no place, or more than one (its English; shown translated).
PLACE_COUNT_MESSAGE = N_("give exactly one of zip (5 digits or ZIP+4), locality (e.g. 10112-00) or state (two letters)")

RULES: tuple[Rule, ...] = (
    Rule("zip", _place_count, lambda c, i: _(PLACE_COUNT_MESSAGE)),
    Rule("deductible_remaining", lambda c: c.has("deductible_remaining") & c.has("deductible"),
         lambda c, i: _("give either deductible (with deductible_met) or deductible_remaining, not both")),
    Rule("deductible_met", lambda c: c.has("deductible") & (c.num["deductible_met"] > c.num["deductible"]),
         lambda c, i: _("{amount} is more than the deductible ({limit})").format(
             amount=_money(c, 'deductible_met', i), limit=_money(c, 'deductible', i))),
    Rule("oop_remaining", lambda c: c.has("oop_remaining") & c.has("oop_max"),
         lambda c, i: _("give either oop_max (with oop_met) or oop_remaining, not both")),
    Rule("oop_met", lambda c: c.has("oop_max") & (c.num["oop_met"] > c.num["oop_max"]),
         lambda c, i: _("{amount} is more than the out-of-pocket maximum ({limit})").format(
             amount=_money(c, 'oop_met', i), limit=_money(c, 'oop_max', i))),
    Rule("oon_deductible_met", lambda c: c.has("oon_deductible")
         & (c.num["oon_deductible_met"] > c.num["oon_deductible"]),
         lambda c, i: _("{amount} is more than the out-of-network deductible ({limit})").format(
             amount=_money(c, 'oon_deductible_met', i), limit=_money(c, 'oon_deductible', i))),
    Rule("oon_oop_met", lambda c: c.has("oon_oop_max") & (c.num["oon_oop_met"] > c.num["oon_oop_max"]),
         lambda c, i: _("{amount} is more than the out-of-network out-of-pocket maximum ({limit})").format(
             amount=_money(c, 'oon_oop_met', i), limit=_money(c, 'oon_oop_max', i))),
    Rule("copay_timing", lambda c: (c.idx["hdhp"] == 1) & c.isin(
        "copay_timing", frozenset({"before_deductible", "instead_of_deductible"})),
         lambda c, i: _("an HSA-qualified high-deductible plan (hdhp) pays nothing before the deductible, so a "
                        "copay cannot come before or instead of it: use after_deductible, or leave hdhp out")),
    Rule("coinsurance", lambda c: c.isin("coverage", frozenset({"medicaid"}))
         & (c.num["coinsurance"] > _medicaid_limit("medicaid_max_coinsurance_pct")),
         lambda c, i: _("{pct} is over the federal limit for Medicaid: at most {limit} of what Medicaid pays "
                        "(42 CFR 447.52(b), for family income over 150% of the poverty line)").format(
             pct=f"{c.num['coinsurance'][i]:g}%", limit=f"{_medicaid_limit('medicaid_max_coinsurance_pct'):g}%")),
    Rule("allowed", lambda c: c.has("allowed") & (c.has("allowed_professional") | c.has("allowed_facility")
                                                  | c.has("allowed_anesthesia")),
         lambda c, i: _("give either the total allowed amount or the amounts per bill (professional, facility, "
                        "anesthesia), not both")),
    Rule("allowed_facility", lambda c: c.has("allowed_facility") & (c.num["allowed_facility"] != 0)
         & (c.idx["site"] == SITES.index("office")),
         lambda c, i: _("an office visit has no separate facility bill: leave it out or choose site hopd or asc")),
    Rule("hospital", lambda c: c.has("hospital") & (c.idx["site"] != SITES.index("hopd")),
         lambda c, i: _("a named hospital prices a hospital outpatient department's facility fee: choose site "
                        "hopd or leave the hospital out")),
    *(_not_applicable_rule(spec) for spec in REGISTRY
      if spec.coverages != frozenset(COVERAGE) or spec.sedations != frozenset(SEDATION)),
)


# -- the checks ------------------------------------------------------------------------------------
@dataclass
class Checked:
    """The result of checking n scenarios: their columns, which rows are bad and why."""

    cols: Columns
    bad: np.ndarray  # (n,) bool
    _rules: list[tuple[Rule, np.ndarray]]

    def errors(self, i: int) -> list[FieldError]:
        """Every problem with row i, in registry order, then the rules."""
        c = self.cols
        out = [FieldError(spec.name, c.messages[spec.name][c.problem[spec.name][i]])
               for spec in REGISTRY if c.problem[spec.name][i] >= 0]
        if out:
            return out
        return [FieldError(rule.field, rule.message(c, i)) for rule, mask in self._rules if mask[i]]

    def broken_rules(self) -> list[tuple[Rule, np.ndarray]]:
        """(rule, rows where it is broken) for the rules some row breaks."""
        return list(self._rules)

    def error_texts(self) -> np.ndarray:
        """(n,) object array: '' for good rows, else the row's problems joined with '; '."""
        out = np.full(self.cols.n, "", dtype=object)
        for i in np.flatnonzero(self.bad):
            out[i] = "; ".join(str(e) for e in self.errors(int(i)))
        return out


def _resolve_places(c: Columns, ref: RefData) -> None:
    """Look every place up (once per distinct text); unknown ones become problems of their field.
    Sets ``c.loc`` and ``c.state`` from the one place field a row gives."""
    n = c.n
    loc = np.zeros(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.int64)
    lookups = {"zip": geography.lookup_zips, "locality": geography.lookup_localities,
               "state": geography.lookup_states}
    for name in PLACE_FIELDS:
        values, codes = c.place_values[name], c.place_codes[name]
        usable = np.array([v != "" for v in values], dtype=bool)
        if not usable.any():
            continue
        lo = np.zeros(len(values), dtype=np.int64)
        st = np.zeros(len(values), dtype=np.int64)
        ok = np.ones(len(values), dtype=bool)
        keys = values[usable].astype(str)
        lo[usable], st[usable], ok[usable] = lookups[name](ref, keys)
        given = codes >= 0
        loc = np.where(given, _gather(lo, codes, 0), loc)
        state = np.where(given, _gather(st, codes, 0), state)
        if ok.all():
            continue
        msgs = c.messages[name]
        problem_u = np.full(len(values), -1, dtype=np.int64)
        for k in np.flatnonzero(~ok):
            try:
                geography.resolve(ref, **{name: str(values[k])})
                msg = _("'{value}' is not known").format(value=values[k])
            except geography.PlaceError as e:
                msg = e.error.message
            problem_u[k] = len(msgs)
            msgs.append(msg)
        unknown = _gather(problem_u, codes, -1)
        c.problem[name] = np.where(unknown >= 0, unknown, c.problem[name])
    c.loc, c.state = loc, state


def _resolve_hospitals(c: Columns, ref: RefData | None) -> None:
    """A named hospital must be a known one (data/hospitals.csv or a clinic's imported files);
    an unknown CCN becomes a problem of the ``hospital`` field."""
    values, codes = c.place_values["hospital"], c.place_codes["hospital"]
    if not len(values) or not (codes >= 0).any():
        return
    from estimator.reference.named_hospital import known_ccns

    known = known_ccns(ref)
    unknown_u = np.array([v != "" and v not in known for v in values], dtype=bool)
    if not unknown_u.any():
        return
    msgs = c.messages["hospital"]
    problem_u = np.full(len(values), -1, dtype=np.int64)
    for k in np.flatnonzero(unknown_u):
        problem_u[k] = len(msgs)
        msgs.append(_("'{value}' is no hospital we know: give a CMS Certification Number from the hospital list "
                      "(data/hospitals.csv) or from the hospital files you imported").format(value=values[k]))
    unknown = _gather(problem_u, codes, -1)
    c.problem["hospital"] = np.where(unknown >= 0, unknown, c.problem["hospital"])


def _blank_cells(raw: object, n: int) -> np.ndarray:
    """Which of ``n`` cells are blank (missing, or only spaces); all of them when the column is not ``n`` long."""
    if n <= 64 and not isinstance(raw, pd.Series):  # one quote or a few: no pandas round trip
        cells = list(raw) if isinstance(raw, (list, tuple, np.ndarray)) else [raw]
        if len(cells) != n:
            return np.ones(n, bool)
        return np.array([not c.strip() if isinstance(c, str) else c is None or (pd.api.types.is_scalar(c)
                                                                                 and bool(pd.isna(c)))
                         for c in cells], bool)
    s = pd.Series(raw, dtype=object) if not isinstance(raw, pd.Series) else raw.astype(object)
    return (s.isna() | s.astype(str).str.strip().eq("")).to_numpy(bool) if len(s) == n else np.ones(n, bool)


def _hospital_place(columns: dict[str, object], n: int, ref: RefData | None) -> dict[str, object]:
    """Rows that name a hospital and no place are priced where the hospital is (its ZIP code)."""
    raw = columns.get("hospital")
    if raw is None:
        return columns
    named = ~_blank_cells(raw, n)
    for name in PLACE_FIELDS:
        if columns.get(name) is not None:
            named &= _blank_cells(columns[name], n)
    if not named.any():
        return columns
    from estimator.reference.named_hospital import hospital_zips

    zips = hospital_zips(ref)
    ccn = pd.Series(raw, dtype=object).astype(str).str.strip().str.upper().to_numpy(object)
    filled = np.array([zips.get(ccn[i], "") if named[i] else "" for i in range(n)], dtype=object)
    if columns.get("zip") is not None:
        old = pd.Series(columns["zip"], dtype=object).to_numpy(object)
        filled = np.where(named, filled, old)
    return {**columns, "zip": filled}


def check_columns(columns: dict[str, object], n: int, ref: RefData | None = None) -> Checked:
    """Check n scenarios given as raw columns (a Series, array or list per field name)."""
    c = Columns(n)
    columns = _hospital_place(columns, n, ref)
    for spec in REGISTRY:
        raw = columns.get(spec.name)
        if raw is None:
            _absent(spec, n, c)
        elif (spec.is_number and isinstance(raw, pd.Series) and pd.api.types.is_numeric_dtype(raw.dtype)
              and not pd.api.types.is_bool_dtype(raw.dtype)):
            _read_numbers(spec, raw, c)
        else:
            _read_column(spec, raw, n, c)
    if ref is not None:
        _resolve_places(c, ref)
    _resolve_hospitals(c, ref)
    field_bad = np.zeros(n, dtype=bool)
    for spec in REGISTRY:
        field_bad |= c.problem[spec.name] >= 0
    rules = []
    bad = field_bad.copy()
    for rule in RULES:
        mask = rule.broken(c) & ~field_bad
        if mask.any():
            rules.append((rule, mask))
            bad |= mask
    return Checked(c, bad, rules)


def check_frame(df: pd.DataFrame, ref: RefData | None = None) -> Checked:
    """Check every row of a DataFrame whose columns are named like the registry's fields."""
    return check_columns({name: df[name] for name in FIELDS if name in df.columns}, len(df), ref)


def check_values(values: dict[str, object], ref: RefData | None = None) -> tuple[dict[str, object], list[FieldError]]:
    """Check one scenario's raw values (text or Python values by field name).

    Returns (the values read, by field name, with defaults for blanks; the problems). Unknown
    names are problems too. The same code as check_frame, on one row.
    """
    unknown = [FieldError(k, "unknown field") for k in values if k not in FIELDS]
    if unknown:
        return {}, unknown
    checked = check_columns({k: [v] for k, v in values.items()}, 1, ref)
    errors = checked.errors(0) if checked.bad[0] else []
    c = checked.cols
    out: dict[str, object] = {}
    for spec in REGISTRY:
        if spec.is_number:
            v = float(c.num[spec.name][0])
            out[spec.name] = None if np.isnan(v) else (int(v) if spec.kind in ("count", "year") else v)
        elif spec.kind == "choice":
            k = int(c.idx[spec.name][0])
            out[spec.name] = None if k < 0 else spec.choices[k]
        elif spec.kind == "flag":
            out[spec.name] = bool(c.idx[spec.name][0] == 1)
        else:
            out[spec.name] = c.place_text(spec.name, 0) or None
    return out, errors
