"""Reading what users supply: files, text encodings, CSV tables, JSON documents and their shapes, dates.

This is the one place that turns a user's file or JSON into Python values. Every function raises
``InputError`` (never a traceback) naming *where* the problem is: the file's option or role
(``input``, ``prices``, ``clinic_profile``, ``file``), a row of a CSV file (``row 7``), or a path
into a JSON document (``patient.name``, ``providers[1].npi``, ``cash_prices.professional``), and
saying what is allowed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from estimator.common.errors import FieldError, InputError, fail
from estimator.common.i18n import _

T = TypeVar("T")

#: Default size limit for a JSON document (a case file or a clinic profile), in bytes.
MAX_JSON_BYTES = 1024 * 1024
#: Default nesting limit for JSON documents: a case file with its clinic profile inside is 4 deep.
MAX_JSON_DEPTH = 32
#: Default length limit for one text value in a JSON document, in characters.
MAX_TEXT = 1000
#: The earliest date accepted anywhere (a date of birth or a service date).
EARLIEST_DATE = date(1900, 1, 1)
#: How far ahead a service, scheduling, issue or bill date may be, in years.
YEARS_AHEAD = 3


# -- files ----------------------------------------------------------------------------------------
def _mb(n: int) -> str:
    """A size limit in words: 5 MB, 64 KB, 100 bytes."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    return f"{n / 1024:g} KB" if n >= 1024 else f"{n} bytes"


def read_file(path: str | os.PathLike[str], where: str, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; never reads more than ``max_bytes`` + 1.

    Refuses (naming ``where``) a missing file, a directory, anything that is not a regular file
    (``/dev/zero``, a FIFO, a socket), a file over the limit and a file that cannot be read.
    """
    try:
        name = os.fspath(path)
    except TypeError:
        raise fail(where, f"expected a file path, got {type(path).__name__}") from None
    if not name:
        raise fail(where, "no file given")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)  # a FIFO must not block
    try:
        fd = os.open(name, flags)
    except FileNotFoundError:
        raise fail(where, f"file not found: {name}") from None
    except PermissionError:
        raise fail(where, f"permission denied: {name}") from None
    except IsADirectoryError:
        raise fail(where, f"is a directory, not a file: {name}") from None
    except (OSError, ValueError) as e:  # ValueError: a NUL in the path
        raise fail(where, f"cannot open {name!r}: {getattr(e, 'strerror', None) or e}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise fail(where, f"is a directory, not a file: {name}")
        if not stat.S_ISREG(st.st_mode):
            raise fail(where, f"is not a regular file (a device, pipe or socket): {name}")
        if st.st_size > max_bytes:
            raise fail(where, f"the file is larger than {_mb(max_bytes)}: {name}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise fail(where, f"cannot read {name}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # the file grew while being read
        raise fail(where, f"the file is larger than {_mb(max_bytes)}: {name}")
    return data


def check_size(data: bytes | str, where: str, max_bytes: int) -> None:
    """Refuse uploaded content over ``max_bytes`` (bytes, or characters for text)."""
    if len(data) > max_bytes:
        raise fail(where, f"the file is larger than {_mb(max_bytes)}")


# -- text -----------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters other than tab and line breaks
#: The bytes Windows-1252 leaves undefined; read as Latin-1 (the same code points).
_CP1252_HOLES = {0xDC00 + b: b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _looks_like_text(text: str) -> bool:
    """No NUL, and at most 1 character in 100 (at least 1 allowed) is another control character."""
    return "\x00" not in text and len(_CONTROL.findall(text)) <= max(1, len(text) // 100)


def _not_text(where: str, why: str) -> InputError:
    return fail(where, f"the file is not text: {why}; save it as CSV or JSON text (UTF-8)")


def decode_text(data: bytes, where: str) -> str:
    """Decode a user's file to text.

    - UTF-8, with or without a byte order mark;
    - UTF-16 with a byte order mark (what "Unicode text" exports from spreadsheets are);
    - otherwise, if the bytes look like text (no NUL bytes, few control characters), they are read
      deliberately as Windows-1252 (cp1252, the superset of Latin-1 that spreadsheets on Windows
      save "CSV" files in); the 5 bytes cp1252 leaves undefined are read as Latin-1. Any byte
      sequence decodes this way, so this is a choice, not a detection: a name like ``José`` saved by
      such a program is read correctly; text in another legacy encoding may not be.
    - anything else (NUL bytes, many control characters: an image, a spreadsheet's .xlsx, a PDF)
      is refused: "the file is not text: ...".
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as e:
            raise _not_text(where, f"it starts as UTF-8 but byte {e.start + 3} is not UTF-8") from None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _not_text(where, "it starts as UTF-16 but is not valid UTF-16") from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if b"\x00" in data:
                raise _not_text(where, "it contains NUL bytes (a binary file?)") from None
            text = data.decode("cp1252", errors="surrogateescape").translate(_CP1252_HOLES)
    text = text.removeprefix("\ufeff")
    if not _looks_like_text(text):
        raise _not_text(where, "it contains NUL bytes or control characters (a binary file?)")
    return text


# -- CSV ------------------------------------------------------------------------------------------
@dataclass
class CsvTable:
    """A CSV file read as text cells.

    ``columns`` are the header's names stripped and in lower case (an unnamed column is
    ``column_N``). ``rows`` holds (row number, cells) for every non-blank row, the row number as a
    spreadsheet shows it (the header is row 1), the cells padded with "" to the header's width.
    ``row_errors`` maps a row number to the problem with that row (more fields than the header);
    such a row's cells are not to be used.
    """

    columns: list[str]
    rows: list[tuple[int, list[str]]]
    row_errors: dict[int, FieldError] = field(default_factory=dict)


def read_csv(text: str, where: str = "file") -> CsvTable:
    """Read CSV text; raises InputError for a file that cannot be read as a table.

    File-level problems: empty, a broken quote (naming the row), duplicate column names once
    case and spaces are ignored (``ZIP,zip``). A row with more non-blank fields than the header is
    a problem of that row only (``row 7: has 23 fields, the header has 20``); trailing blank fields
    are ignored, and a row with fewer fields is padded with empty cells.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise fail(where, "the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for n, cells in enumerate(reader, start=1):
            records.append((n, cells))
    except csv.Error as e:
        raise fail(f"row {len(records) + 1}", f"not a readable CSV row ({e}): check its quotes") from None
    records = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise fail(where, "the file is empty")
    (_, header), body = records[0], records[1:]
    columns = [h.strip().lower() or f"column_{j}" for j, h in enumerate(header, start=1)]
    seen: dict[str, list[str]] = {}
    for raw, col in zip(header, columns):
        seen.setdefault(col, []).append(raw.strip() or col)
    dups = [names for names in seen.values() if len(names) > 1]
    if dups:
        raise fail("columns", "duplicate column names (case and spaces are ignored): "
                   + "; ".join(", ".join(names) for names in dups))
    width = len(columns)
    table = CsvTable(columns, [])
    for n, cells in body:
        if len(cells) > width:
            if any(c.strip() for c in cells[width:]):
                table.row_errors[n] = FieldError(f"row {n}", f"has {len(cells)} fields, the header has {width} "
                                                             "(a comma inside a cell needs quotes)")
            cells = cells[:width]
        table.rows.append((n, cells + [""] * (width - len(cells))))
    return table


# -- JSON -----------------------------------------------------------------------------------------
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.DOTALL)


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text, counted without parsing it."""
    depth = deepest = 0
    for m in _JSON_TOKEN.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def load_json(text: str, where: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON text; refuses invalid JSON (with its line and column) and nesting deeper than
    ``max_depth`` (checked before parsing, so the parser never recurses that deep)."""
    depth = json_depth(text)
    if depth > max_depth:
        raise fail(where, f"the JSON is nested {depth} levels deep: at most {max_depth} allowed")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise fail(where, f"not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}") from None
    except (ValueError, RecursionError) as e:  # e.g. an integer of more than 4300 digits
        raise fail(where, f"not valid JSON: {e}") from None


def read_json_file(path: str | os.PathLike[str], where: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read, decode and parse a JSON file (see ``read_file``, ``decode_text``, ``load_json``)."""
    return load_json(decode_text(read_file(path, where, max_bytes), where), where)


# -- shapes of JSON values ------------------------------------------------------------------------
def kind(value: object) -> str:
    """What a JSON value is, in words: 'an object', 'a list', 'a string', 'a number', ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def obj(value: object, where: str, optional: bool = False) -> dict[str, Any]:
    """``value`` as a JSON object; ``None`` is {} when ``optional``."""
    if value is None and optional:
        return {}
    if value is None:
        raise fail(where, "is required: expected an object")
    if not isinstance(value, dict):
        raise fail(where, f"expected an object, got {kind(value)}")
    return value


def arr(value: object, where: str, optional: bool = False) -> list[Any]:
    """``value`` as a JSON list; ``None`` is [] when ``optional``."""
    if value is None and optional:
        return []
    if value is None:
        raise fail(where, "is required: expected a list")
    if not isinstance(value, list):
        raise fail(where, f"expected a list, got {kind(value)}")
    return value


def text(value: object, where: str, required: bool = False, max_len: int = MAX_TEXT) -> str:
    """``value`` as stripped text; a finite number is taken as its digits (an NPI written as a number).

    ``None`` and "" are "" unless ``required``.
    """
    if value is None:
        out = ""
    elif isinstance(value, str):
        out = value.strip()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise fail(where, f"expected text, got {value}")
        out = str(value)
    else:
        raise fail(where, f"expected text, got {kind(value)}")
    if required and not out:
        raise fail(where, _("is required"))
    if len(out) > max_len:
        raise fail(where, _("is too long ({length} characters): at most {limit}").format(length=f"{len(out):,}",
                                                                                        limit=f"{max_len:,}"))
    return out


def number(value: object, where: str, lo: float = 0.0, hi: float = 1_000_000.0) -> float:
    """``value`` as a finite number from ``lo`` to ``hi``; also accepts text like "$1,200.50"."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise fail(where, f"expected a number, got {kind(value)}")
    try:
        v = float(value.strip().replace(",", "").removeprefix("$")) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        raise fail(where, _("'{value}' is not a number").format(value=str(value)[:40])) from None
    if not math.isfinite(v) or not lo <= v <= hi:
        raise fail(where, _("'{value}' is not allowed: a number from {low} to {high}").format(
            value=str(value)[:40], low=f"{lo:,g}", high=f"{hi:,g}"))
    return v


def scalar_text(value: object, where: str) -> str | None:
    """A scalar JSON value (text, a finite number, true/false or null) as text for the scenario parser."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise fail(where, f"expected a finite number, got {value}")
        return str(value)
    return text(value, where)


# -- dates ----------------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def years_after(d: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def latest_date(today: date | None = None) -> date:
    """The latest service, scheduling, issue or bill date accepted: today + YEARS_AHEAD years."""
    return years_after(today or date.today(), YEARS_AHEAD)


def parse_date(value: object, where: str, earliest: date = EARLIEST_DATE, latest: date | None = None) -> date:
    """A YYYY-MM-DD date from ``earliest`` to ``latest`` (default: today + 3 years)."""
    latest = latest or latest_date()
    if isinstance(value, date):
        d = value
    else:
        if not isinstance(value, str):
            raise fail(where, f"expected a date (YYYY-MM-DD), got {kind(value)}")
        s = value.strip()
        try:
            if not _ISO_DATE.fullmatch(s):
                raise ValueError
            d = date.fromisoformat(s)
        except ValueError:
            raise fail(where, _("'{text}' is not a date: use YYYY-MM-DD").format(text=s[:40])) from None
    if not earliest <= d <= latest:
        raise fail(where, _("{date} is out of range: from {earliest} to {latest}").format(
            date=d.isoformat(), earliest=earliest.isoformat(), latest=latest.isoformat()))
    return d


def parse_birth_date(value: object, where: str, today: date | None = None) -> date:
    """A date of birth: not before 1900 and not in the future."""
    return parse_date(value, where, EARLIEST_DATE, today or date.today())


# -- collecting several problems ------------------------------------------------------------------
class Problems:
    """Collects the problems of a document so they are all reported at once.

    ``problems.get(fn, *args)`` calls a reader and returns its value, or None after noting its
    InputError; ``problems.raise_any()`` raises them together.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def get(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            self.errors += e.errors
            return None

    def add(self, where: str, message: str) -> None:
        self.errors.append(FieldError(where, message))

    def extend(self, errors: list[FieldError]) -> None:
        self.errors += errors

    def raise_any(self) -> None:
        if self.errors:
            raise InputError(self.errors)

    def named(self, where: str) -> bool:
        """Whether a problem has already been noted for ``where``."""
        return any(e.field == where for e in self.errors)


def check_date_order(p: Problems, dates: list[tuple[str, str, date | None]]) -> None:
    """Dates that must come in order, earliest first: each ``(where, what, date)`` (None: not given;
    ``what`` an English msgid, named in the current language).

    A date after a later one is noted once, naming its own field: with a date of birth, a
    scheduling date and a service date, a scheduling date after the service date gives
    ``scheduled_on: 2026-12-11 is after the service date (2026-12-10)``. A field already named
    (a date out of range, say) is not named again.
    """
    for i, (where, _label, d) in enumerate(dates):
        if d is None or p.named(where):
            continue
        for _where, what_later, later in dates[i + 1:]:
            if later is not None and d > later:
                p.add(where, _("{date} is after the {later_field} ({later})").format(
                    date=d, later_field=_(what_later), later=later))
                break


__all__ = ["CsvTable", "EARLIEST_DATE", "MAX_JSON_BYTES", "MAX_JSON_DEPTH", "Problems", "arr",
           "check_date_order", "check_size", "decode_text", "json_depth", "kind", "latest_date", "load_json",
           "number", "obj", "parse_birth_date", "parse_date", "read_csv", "read_file", "read_json_file",
           "scalar_text", "text"]
