"""Validation of scenarios, one or a million at once, by one set of rules.

``check_frame(df)`` reads every column of a DataFrame of scenarios with the registry's parser
(``fields.read``, applied once per distinct value; numeric columns are checked with array
operations that apply the same rules), then applies the cross-field ``RULES`` (rules.py) as
vectorised predicates. ``check_values(dict)`` reads one scenario with the same parser and asks the
same rules of it as plain values (columns.Row: no arrays); a scenario with any problem is then
checked again as a one-row table, so its messages come from exactly the code that words the batch's.
The single quote API, the batch API, the command line, the dashboard and the front desk accept and
refuse the same inputs with the same messages.

A row's problems are first the fields that cannot be read (each message names the field and what
is allowed), then, only if every field was read, the rules that combine fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from estimator.common.errors import FieldError
from estimator.common.i18n import _
from estimator.inputs.columns import Columns, Row
from estimator.inputs.fields import FIELDS, PLACE_FIELDS, REGISTRY, FieldSpec, is_blank, read, show
from estimator.inputs.rules import PLACE_COUNT_MESSAGE, RULES, Rule
from estimator.reference import geography
from estimator.reference.tables import YEARS, RefData

__all__ = [
    "PLACE_COUNT_MESSAGE",
    "RULES",
    "Checked",
    "Columns",
    "Rule",
    "check_columns",
    "check_frame",
    "check_one_row_table",
    "check_values",
]

_SMALL = 16  # columns this short are read value by value (no pandas factorising)


def _factorize(values: object, n: int) -> tuple[np.ndarray, list[object]]:
    """(code per row, distinct values); work is done once per distinct value."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(np.int64), list(values.cat.categories)
    if isinstance(values, pd.Series) and values.dtype == bool:  # no blanks: False is 0, True is 1
        return values.to_numpy().view(np.int8).astype(np.int64), [False, True]
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
        cols.idx[spec.name] = np.array([k], dtype=np.int8)
    elif spec.kind == "flag":
        k = int(bool(d)) if blank else (-1 if value is None else int(bool(value)))
        cols.idx[spec.name] = np.array([k], dtype=np.int8)
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
        u = np.array([-1 if v is None else spec.choices.index(v) for v in parsed], dtype=np.int8)
        cols.idx[spec.name] = _gather(u, codes, -1 if default is None else spec.choices.index(default))
    elif spec.kind == "flag":  # indexed like a choice: no = 0, yes = 1
        u = np.array([-1 if v is None else int(bool(v)) for v in parsed], dtype=np.int8)
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
        cols.idx[spec.name] = _const(np.int8(-1 if d is None else spec.choices.index(d)), n)
    elif spec.kind == "flag":
        cols.idx[spec.name] = _const(np.int8(int(bool(d))), n)
    else:
        cols.place_codes[spec.name] = _const(np.int64(-1), n)
        cols.place_values[spec.name] = np.array([], dtype=object)


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
    Sets ``c.loc``, ``c.state`` and ``c.wage_area`` (from a ZIP only) from the one place field a row gives."""
    n = c.n
    loc = np.zeros(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.int64)
    wage_area = np.full(n, -1, dtype=np.int64)
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
        if name == "zip":
            area = np.full(len(values), -1, dtype=np.int64)
            area[usable] = geography.lookup_wage_areas(ref, keys)
            wage_area = np.where(given, _gather(area, codes, -1), wage_area)
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
    c.loc, c.state, c.wage_area = loc, state, wage_area


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
    names are problems too. The same parser and rules as check_frame, on one row.
    """
    unknown = [FieldError(k, "unknown field") for k in values if k not in FIELDS]
    if unknown:
        return {}, unknown
    read_values = _read_row(values, ref)
    if read_values is not None:
        return read_values, []
    return check_one_row_table(values, ref)


def check_one_row_table(
    values: dict[str, object], ref: RefData | None = None
) -> tuple[dict[str, object], list[FieldError]]:
    """check_values by way of a one-row table (check_columns): the words of any problem."""
    checked = check_columns({k: [v] for k, v in values.items()}, 1, ref)
    errors = checked.errors(0) if checked.bad[0] else []
    c = checked.cols
    out = {spec.name: _as_returned(spec, float(c.num[spec.name][0]) if spec.name in c.num else np.nan,
                                   int(c.idx[spec.name][0]) if spec.name in c.idx else -1,
                                   c.place_text(spec.name, 0) if spec.name in c.place_codes else "")
           for spec in REGISTRY}
    return out, errors


def _as_returned(spec: FieldSpec, number: float, index: int, text: str) -> object:
    """One field's value as check_values returns it, from what was read: the number (NaN = none),
    the choice or flag index (-1 = none) or the text."""
    if spec.is_number:
        return None if number != number else (int(number) if spec.kind in ("count", "year") else number)  # noqa: PLR0124
    if spec.kind == "choice":
        return None if index < 0 else spec.choices[index]
    if spec.kind == "flag":
        return index == 1
    return text or None


def _read_row(values: dict[str, object], ref: RefData | None) -> dict[str, object] | None:
    """One scenario read field by field and asked every rule as plain values (columns.Row): the
    values read (as check_values returns them) when nothing is wrong, else None, and the caller
    words the problems with check_columns. With ``ref`` its place must be known. A row that names a
    hospital and no place is left to check_columns too (it is priced where the hospital is)."""
    row = Row()
    out: dict[str, object] = {}
    for spec in REGISTRY:
        name = spec.name
        raw = values.get(name)
        try:
            read_as = _read_as(name, type(raw), raw)
        except TypeError:  # not hashable: read it afresh
            read_as = _read_as.__wrapped__(name, type(raw), raw)
        if read_as is None:
            return None
        out[name], number, index, row.given[name] = read_as
        if number is not None:
            row.num[name] = number
        elif index is not None:
            row.idx[name] = index
    if ref is not None:  # the place must be known, as check_columns looks it up
        try:
            geography.resolve(ref, out["zip"], out["locality"], out["state"])
        except geography.PlaceError:
            return None
    if out["hospital"] is not None:
        from estimator.reference.named_hospital import known_ccns

        if not any(row.given[f] for f in PLACE_FIELDS) or out["hospital"] not in known_ccns(ref):
            return None
    if any(rule.broken(row) for rule in RULES):
        return None
    return out


@lru_cache(maxsize=8192)
def _read_as(name: str, kind: type, raw: object) -> tuple[object, float | None, int | None, bool] | None:
    """What one field's raw value reads as: (the value as check_values returns it, Row.num or None,
    Row.idx or None, given), or None if it cannot be read. Cached: a front desk quotes the same few
    values all day (``kind``, the raw value's type, keeps 1, 1.0 and True apart)."""
    spec = FIELDS[name]
    value, msg = read(spec, raw)
    if msg is not None:
        return None
    given = not is_blank(raw)
    if spec.is_number:
        number = np.nan if value is None else float(value)
        return _as_returned(spec, number, -1, ""), number, None, given
    if spec.kind in ("choice", "flag"):
        index = -1 if value is None else spec.choices.index(value) if spec.kind == "choice" else int(bool(value))
        return _as_returned(spec, np.nan, index, ""), None, index, given
    return _as_returned(spec, np.nan, -1, "" if value is None else str(value)), None, None, given
