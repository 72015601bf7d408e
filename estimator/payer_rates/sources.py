"""Where the in-network files are: a file, a URL, a list of them, or a table of contents.

- A **location** is a local path, a ``file://`` URL or an ``http(s)://`` URL; one written without a
  scheme inside a table of contents or a provider reference is relative to the file that names it.
  A URL is streamed to a local spool file first (``urllib``, no extra dependency): every file is then
  read twice from local disk (tic_file.py), never held in memory.
- A **table of contents** (``reporting_structure[]``: ``reporting_plans[]`` and
  ``in_network_files[].location``) gives the files and the plans each file reports; a **URL list** is
  a text file with one location per line (blank lines and ``#`` comments skipped).
- gzip is recognised by its first two bytes, whatever the name.
- A file that came over the network may name only other ``http(s)://`` locations: an absolute local
  path or a ``file://`` URL inside a downloaded table of contents, URL list or provider reference is
  refused (a SourceError naming its JSON path or line), so a remote file cannot make the import read
  this machine's files. A download stops at ``MAX_DOWNLOAD_BYTES``.
- A URL list must be UTF-8 text of locations (URLs or paths, no control characters, none starting
  like JSON or HTML); anything else fails as not a URL list, naming the list file and the line.
- Messages show values escaped (estimator.common.shown) and the JSON parser's several-line errors on
  one line.
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import ijson

from estimator.common.shown import one_line, show

GZIP_MAGIC = b"\x1f\x8b"
#: How many bytes of a file are looked at to tell a table of contents, an in-network file and a URL list apart.
SNIFF_BYTES = 1 << 16
READ_BUFFER = 1 << 20
#: The most bytes one download may take (1 TiB). A real in-network file can be hundreds of gigabytes
#: of gzip, so this is only a safety net: a server that never stops sending must not fill the disk.
MAX_DOWNLOAD_BYTES = 1 << 40
#: The URL schemes a location may have; a file that came over the network may name only the first two.
REMOTE_SCHEMES = ("http", "https")


class SourceError(Exception):
    """A file that cannot be read; the message names the file and, where known, the JSON path."""

    def __init__(self, location: str, message: str, path: str = ""):
        self.location, self.message, self.path = location, message, path
        super().__init__(one_line(f"{location}: {path + ': ' if path else ''}{message}"))


def said(error: BaseException) -> str:
    """An exception's text on one printable line (yajl writes its parse errors over three lines)."""
    return one_line(" ".join(str(error).split()))


@dataclass(frozen=True)
class Task:
    """One in-network file to read, with the plans a table of contents says it reports."""

    location: str
    plans: tuple[dict, ...] = field(default_factory=tuple)
    payer: str = ""  # the table of contents' reporting entity, where the file came from one


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in ("http", "https", "file")


def is_remote(location: str) -> bool:
    """Whether ``location`` is read over the network (http or https)."""
    return urllib.parse.urlsplit(location).scheme in REMOTE_SCHEMES


def resolve(location: str, base: str, where: str = "") -> str:
    """``location`` as written at ``where`` (a JSON path or a line) in the file at ``base``: absolute as
    it is, else relative to ``base``. A file that came over the network may name only http(s) URLs:
    any other location in it is a SourceError naming ``base`` and ``where``."""
    if is_remote(base):
        if os.path.isabs(location) or urllib.parse.urlsplit(location).scheme == "file":
            raise SourceError(base, f"{show(location)} is a local file: a downloaded file may name only "
                              "http(s) URLs", where)
        joined = urllib.parse.urljoin(base, location)
        if not is_remote(joined):
            raise SourceError(base, f"{show(location)} is not an http(s) URL", where)
        return joined
    if is_url(location) or os.path.isabs(location):
        return location
    if is_url(base):
        return urllib.parse.urljoin(base, location)
    return str(Path(base).resolve().parent / location)


def local_path(location: str, spool: str | None = None, max_bytes: int = MAX_DOWNLOAD_BYTES) -> tuple[str, bool]:
    """A local file holding ``location``: (path, whether it is a spooled copy to delete after use). A
    download of more than ``max_bytes`` bytes is stopped, deleted and a SourceError."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme not in ("http", "https"):
        path = urllib.request.url2pathname(parts.path) if parts.scheme == "file" else location
        if not Path(path).is_file():
            raise SourceError(location, "no such file")
        return path, False
    fd, tmp = tempfile.mkstemp(prefix="tic-", suffix=".json", dir=spool)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(location, timeout=120) as resp:  # noqa: S310
            _copy_at_most(resp, out, max_bytes, location)
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        Path(tmp).unlink(missing_ok=True)
        raise SourceError(location, f"cannot download: {getattr(e, 'reason', None) or e}") from None
    except SourceError:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp, True


def _copy_at_most(source: BinaryIO, out: BinaryIO, max_bytes: int, location: str) -> None:
    """Copy ``source`` to ``out``; a SourceError once it passes ``max_bytes`` bytes."""
    too_big = SourceError(location, f"larger than the download limit of {max_bytes:,} bytes "
                                    "(sources.MAX_DOWNLOAD_BYTES): not downloaded")
    declared = getattr(source, "headers", {}).get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise too_big
    copied = 0
    while chunk := source.read(READ_BUFFER):
        copied += len(chunk)
        if copied > max_bytes:
            raise too_big
        out.write(chunk)


def open_stream(path: str) -> BinaryIO:
    """The file's bytes, decompressed if it is gzip."""
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    if fh.read(2) == GZIP_MAGIC:
        fh.seek(0)
        return gzip.GzipFile(fileobj=io.BufferedReader(fh, READ_BUFFER), mode="rb")
    fh.seek(0)
    return io.BufferedReader(fh, READ_BUFFER)


def _sniff(path: str, location: str) -> str:
    """'toc', 'in_network' or 'list', from the start of the file at ``path`` (read from ``location``)."""
    with open_stream(path) as s:
        try:
            head = s.read(SNIFF_BYTES)
        except (OSError, EOFError) as e:
            raise SourceError(location, f"{NOT_A_LIST}: cannot read: {said(e)}") from None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return "list"
    return "toc" if '"reporting_structure"' in text and '"in_network"' not in text else "in_network"


#: What a value that should be text or a number is, by the event that starts it.
WRONG_KINDS = {"start_array": "an array", "start_map": "an object", "boolean": "true or false"}


def kind_of(value: object) -> str:
    """What a value of the wrong type is, for a message: an array, an object, true or false, ..."""
    if isinstance(value, bool):
        return WRONG_KINDS["boolean"]
    return {list: WRONG_KINDS["start_array"], dict: WRONG_KINDS["start_map"]}.get(type(value), type(value).__name__)


def top_level_fields(path: str, keys: frozenset[str], needed: frozenset[str] = frozenset(),
                     wrong: dict[str, str] | None = None) -> dict[str, object]:
    """The file's top-level text and numbers named in ``keys``. They are read from the events before
    the first top-level array or object of another key (where publishers put them); only if one of
    ``needed`` is not there is the whole file scanned for it (slower: every event passes through
    Python). A key of ``keys`` given an array, an object or true/false is not returned but put in
    ``wrong`` (key -> what it is: WRONG_KINDS), if given."""
    found: dict[str, object] = {}
    for whole in (False, True):
        with open_stream(path) as s:
            for prefix, event, value in ijson.parse(s, use_float=True):
                if "." in prefix:
                    continue
                if prefix in keys:
                    if event in ("string", "number"):
                        found.setdefault(prefix, value)
                    elif event in WRONG_KINDS and wrong is not None:
                        wrong.setdefault(prefix, WRONG_KINDS[event])
                elif not whole and prefix and event in ("start_array", "start_map"):
                    break
        if needed <= found.keys() | (wrong or {}).keys():
            break
    return found


def top_level_event(path: str, key: str) -> str | None:
    """The event that starts the top-level field ``key``'s value (``start_array``, ``start_map``,
    ``string``...), or None if the file has no such field (every event is looked at until it is found)."""
    with open_stream(path) as s:
        events = ijson.parse(s)
        for prefix, event, value in events:
            if prefix == "" and event == "map_key" and value == key:
                return next(events)[1]
    return None


#: The plan fields a table of contents' plans give the rows (tic_file); each must be text or a number.
PLAN_FIELDS = ("plan_name", "plan_id", "plan_id_type", "plan_market_type", "issuer_name", "plan_sponsor_name")


def _toc_tasks(path: str, location: str) -> list[Task]:
    """The files of a table of contents, each with its plans; a value of the wrong type in
    ``reporting_structure`` fails the table of contents, naming its JSON path."""
    tasks: list[Task] = []
    wrong: dict[str, str] = {}
    i = -1
    with open_stream(path) as s:
        try:
            payer = str(top_level_fields(path, frozenset({"reporting_entity_name"}), wrong=wrong)
                        .get("reporting_entity_name", "")).strip()
            if wrong:
                raise SourceError(location, f"must be text, not {wrong['reporting_entity_name']}",
                                  "reporting_entity_name")
            for i, rs in enumerate(ijson.items(s, "reporting_structure.item")):
                tasks += _structure_tasks(rs, f"reporting_structure[{i}]", location, payer)
            event = top_level_event(path, "reporting_structure") if i < 0 else None
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(location, f"not valid JSON or cut short: {said(e)}") from None
    if event not in (None, "start_array"):
        raise SourceError(location, f"must be an array, not {WRONG_KINDS.get(event, event)}", "reporting_structure")
    return tasks


def _structure_tasks(rs: object, where: str, location: str, payer: str) -> list[Task]:
    """The files of one ``reporting_structure[]`` entry, with its plans (``reporting_plans[]``)."""
    if not isinstance(rs, dict):
        raise SourceError(location, f"must be an object, not {kind_of(rs)}", where)
    plans = rs.get("reporting_plans")
    plans = [] if plans is None else plans
    if not isinstance(plans, list):
        raise SourceError(location, f"must be an array of plans (objects), not {kind_of(plans)}",
                          f"{where}.reporting_plans")
    for k, plan in enumerate(plans):
        if not isinstance(plan, dict):
            raise SourceError(location, f"must be an object, not {kind_of(plan)}", f"{where}.reporting_plans[{k}]")
        for key in PLAN_FIELDS:
            value = plan.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal))):
                raise SourceError(location, f"must be text, not {kind_of(value)}",
                                  f"{where}.reporting_plans[{k}].{key}")
    files = rs.get("in_network_files")
    files = [] if files is None else files
    if not isinstance(files, list):
        raise SourceError(location, f"must be an array, not {kind_of(files)}", f"{where}.in_network_files")
    tasks = []
    for j, f in enumerate(files):
        loc = f.get("location") if isinstance(f, dict) else None
        if not isinstance(loc, str) or not loc.strip():
            raise SourceError(location, "needs a location (text)", f"{where}.in_network_files[{j}]")
        tasks.append(Task(resolve(loc.strip(), location, f"{where}.in_network_files[{j}].location"), tuple(plans),
                          payer))
    return tasks


def tasks_for(locations: list[str], spool: str | None = None) -> tuple[list[Task], list[str]]:
    """The in-network files the arguments name: files and URLs as they are, tables of contents and
    URL lists opened (a URL to a table of contents or a list is fetched here). Also the locations
    that could not be opened (missing, not downloadable, a table of contents that is not valid JSON),
    each as an error naming it; the others are still given."""
    tasks: list[Task] = []
    failed: list[str] = []
    for loc in locations:
        try:
            tasks += _tasks_of(loc, spool)
        except SourceError as e:
            failed.append(str(e))
    seen: set[str] = set()
    unique = []
    for t in tasks:  # a file listed twice (two tables of contents) is read once, with its first plans
        if t.location not in seen:
            seen.add(t.location)
            unique.append(t)
    return unique, failed


def _tasks_of(loc: str, spool: str | None) -> list[Task]:
    """The files one argument names."""
    path, temp = local_path(loc, spool)
    try:
        kind = _sniff(path, loc)
        if kind == "in_network":
            return [Task(loc)]
        if kind == "toc":
            return _toc_tasks(path, loc)
        return _list_tasks(path, loc)
    finally:
        if temp:
            Path(path).unlink(missing_ok=True)


#: The most bytes a URL list may hold (64 MiB: about half a million URLs); a bigger file is not one.
MAX_LIST_BYTES = 1 << 26
#: How a line that is no location starts: JSON, or a web page (a server's error or sign-in page).
NOT_A_LOCATION = ("{", "[", '"', "<")
NOT_A_LIST = "not an in-network file (JSON with in_network), a table of contents or a URL list"


def _list_tasks(path: str, location: str) -> list[Task]:
    """The files of a URL list: UTF-8 text of one location per line (blank lines and ``#`` comments
    skipped). A file that is not one (binary, too big, a line that is no URL or path) fails whole,
    naming the list and the line."""
    try:
        with open_stream(path) as s:
            data = s.read(MAX_LIST_BYTES + 1)
    except (OSError, EOFError) as e:
        raise SourceError(location, f"{NOT_A_LIST}: cannot read: {said(e)}") from None
    if len(data) > MAX_LIST_BYTES:
        raise SourceError(location, f"{NOT_A_LIST}: larger than a URL list's {MAX_LIST_BYTES:,} bytes")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise SourceError(location, f"{NOT_A_LIST}: not UTF-8 text (byte {e.start})") from None
    tasks = []
    for n, line in enumerate(text.split("\n"), 1):
        x = line.strip(" \t\r")
        if not x or x.startswith("#"):
            continue
        scheme = urllib.parse.urlsplit(x).scheme
        if (not x.isprintable() or x.startswith(NOT_A_LOCATION)
                or (len(scheme) > 1 and scheme not in (*REMOTE_SCHEMES, "file"))):
            raise SourceError(location, f"{NOT_A_LIST}: {show(x)} is not a location (a URL list has one "
                              "http(s):// or file:// URL or path per line)", f"line {n}")
        tasks.append(Task(resolve(x, location, f"line {n}")))
    return tasks
