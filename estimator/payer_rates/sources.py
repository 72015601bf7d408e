"""Where the in-network files are: a file, a URL, a list of them, or a table of contents.

- A **location** is a local path, a ``file://`` URL or an ``http(s)://`` URL; one written without a
  scheme inside a table of contents or a provider reference is relative to the file that names it.
  A URL is streamed to a local spool file first (``urllib``, no extra dependency): every file is then
  read twice from local disk (tic_file.py), never held in memory.
- A **table of contents** (``reporting_structure[]``: ``reporting_plans[]`` and
  ``in_network_files[].location``) gives the files and the plans each file reports; a **URL list** is
  a text file with one location per line (blank lines and ``#`` comments skipped).
- gzip is recognised by its first two bytes, whatever the name.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import ijson

GZIP_MAGIC = b"\x1f\x8b"
#: How many bytes of a file are looked at to tell a table of contents, an in-network file and a URL list apart.
SNIFF_BYTES = 1 << 16
READ_BUFFER = 1 << 20


class SourceError(Exception):
    """A file that cannot be read; the message names the file and, where known, the JSON path."""

    def __init__(self, location: str, message: str, path: str = ""):
        self.location, self.message, self.path = location, message, path
        super().__init__(f"{location}: {path + ': ' if path else ''}{message}")


@dataclass(frozen=True)
class Task:
    """One in-network file to read, with the plans a table of contents says it reports."""

    location: str
    plans: tuple[dict, ...] = field(default_factory=tuple)
    payer: str = ""  # the table of contents' reporting entity, where the file came from one


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme in ("http", "https", "file")


def resolve(location: str, base: str) -> str:
    """``location`` as written in the file at ``base``: absolute as it is, else relative to ``base``."""
    if is_url(location) or os.path.isabs(location):
        return location
    if is_url(base):
        return urllib.parse.urljoin(base, location)
    return str(Path(base).resolve().parent / location)


def local_path(location: str, spool: str | None = None) -> tuple[str, bool]:
    """A local file holding ``location``: (path, whether it is a spooled copy to delete after use)."""
    parts = urllib.parse.urlsplit(location)
    if parts.scheme not in ("http", "https"):
        path = urllib.request.url2pathname(parts.path) if parts.scheme == "file" else location
        if not Path(path).is_file():
            raise SourceError(location, "no such file")
        return path, False
    fd, tmp = tempfile.mkstemp(prefix="tic-", suffix=".json", dir=spool)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(location, timeout=120) as resp:  # noqa: S310
            shutil.copyfileobj(resp, out, READ_BUFFER)
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        Path(tmp).unlink(missing_ok=True)
        raise SourceError(location, f"cannot download: {getattr(e, 'reason', None) or e}") from None
    return tmp, True


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
            raise SourceError(location, f"cannot read: {e}") from None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return "list"
    return "toc" if '"reporting_structure"' in text and '"in_network"' not in text else "in_network"


def top_level_fields(path: str, keys: frozenset[str], needed: frozenset[str] = frozenset()) -> dict[str, object]:
    """The file's top-level scalars named in ``keys``. They are read from the events before the
    first top-level array or object (where publishers put them); only if one of ``needed`` is not
    there is the whole file scanned for it (slower: every event passes through Python)."""
    found: dict[str, object] = {}
    for whole in (False, True):
        with open_stream(path) as s:
            for prefix, event, value in ijson.parse(s, use_float=True):
                if "." in prefix:
                    continue
                if prefix in keys and event in ("string", "number", "boolean"):
                    found.setdefault(prefix, value)
                elif not whole and prefix and event in ("start_array", "start_map"):
                    break
        if needed <= found.keys():
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


def _toc_tasks(path: str, location: str) -> list[Task]:
    tasks: list[Task] = []
    with open_stream(path) as s:
        try:
            payer = str(top_level_fields(path, frozenset({"reporting_entity_name"})).get("reporting_entity_name", ""))
            for i, rs in enumerate(ijson.items(s, "reporting_structure.item")):
                where = f"reporting_structure[{i}]"
                if not isinstance(rs, dict):
                    raise SourceError(location, "must be an object", where)
                plans = tuple(p for p in rs.get("reporting_plans") or [] if isinstance(p, dict))
                files = rs.get("in_network_files") or []
                if not isinstance(files, list):
                    raise SourceError(location, "must be an array", f"{where}.in_network_files")
                for j, f in enumerate(files):
                    loc = f.get("location") if isinstance(f, dict) else None
                    if not isinstance(loc, str) or not loc.strip():
                        raise SourceError(location, "needs a location", f"{where}.in_network_files[{j}]")
                    tasks.append(Task(resolve(loc.strip(), location), plans, payer))
        except (ijson.JSONError, EOFError, OSError, UnicodeDecodeError) as e:
            raise SourceError(location, f"not valid JSON or cut short: {e}") from None
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
        try:
            with open_stream(path) as s:
                lines = s.read().decode("utf-8", errors="replace").splitlines()
        except (OSError, EOFError) as e:
            raise SourceError(loc, f"cannot read: {e}") from None
        return [Task(resolve(x.strip(), loc)) for x in lines if x.strip() and not x.lstrip().startswith("#")]
    finally:
        if temp:
            Path(path).unlink(missing_ok=True)
