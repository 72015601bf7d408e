"""``import_files``: read hospitals' standard-charges files and add or replace them in the local table.

Every file is read and checked completely before anything is written; then all of them are
written in one transaction. So a command with one bad file imports nothing, and the table never
holds half a hospital.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from estimator.common.errors import InputError, fail
from estimator.hospital_files.csv_reader import read_csv_file
from estimator.hospital_files.json_reader import read_json_file
from estimator.hospital_files.model import HospitalFile
from estimator.hospital_files.store import replace_hospitals, table_path


@dataclass(frozen=True)
class Imported:
    """What one file brought in."""

    source_file: str
    hospital_id: str
    hospital_name: str
    file_date: str  # YYYY-MM-DD
    source_format: str  # "csv tall", "csv wide", "json"
    version: str
    n_prices: int
    replaced: bool  # a hospital with this id was there and was replaced


@dataclass(frozen=True)
class ImportSummary:
    table: Path
    imported: list[Imported]


def _check_path(path: Path) -> None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail("file", f"file not found: {path}") from None
    except (OSError, ValueError) as e:
        raise fail("file", f"cannot open {str(path)!r}: {getattr(e, 'strerror', None) or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail("file", f"is a directory, not a file: {path}")
    if not stat.S_ISREG(st.st_mode):
        raise fail("file", f"is not a regular file (a device, pipe or socket): {path}")
    if st.st_size == 0:
        raise fail("file", "the file is empty")
    if not os.access(path, os.R_OK):
        raise fail("file", f"permission denied: {path}")


def _is_json(path: Path) -> bool:
    """JSON if named .json, or if its first non-blank byte opens an object or a list."""
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() == ".csv":
        return False
    with open(path, "rb") as f:
        head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def read_file(path: str | os.PathLike[str]) -> HospitalFile:
    """One file, CSV (tall or wide) or JSON, read and checked (InputError naming the line or path)."""
    p = Path(path)
    _check_path(p)
    try:
        return read_json_file(p) if _is_json(p) else read_csv_file(p)
    except OSError as e:
        raise fail("file", f"cannot read {p}: {e.strerror or e}") from None


def import_files(paths: list[str | os.PathLike[str]], data_dir: str | os.PathLike[str] | None = None) -> ImportSummary:
    """Read every file, then add or replace their hospitals in the table, all or nothing.

    A problem is raised as an InputError whose fields start with the file's name
    (``tall.csv: line 7 standard_charge|negotiated_dollar``); two files of the same hospital in one
    call are refused.
    """
    if not paths:
        raise fail("file", "no file given")
    files: list[HospitalFile] = []
    for path in paths:
        try:
            files.append(read_file(path))
        except InputError as e:
            raise e.within(str(path), sep=": ") from None
    by_id: dict[str, str] = {}
    for path, hf in zip(paths, files):
        if hf.hospital_id in by_id:
            raise fail(str(path), f"is hospital {hf.hospital_id} again (also in {by_id[hf.hospital_id]}): "
                                  "import one file per hospital")
        by_id[hf.hospital_id] = str(path)
    replaced = replace_hospitals(files, data_dir)
    return ImportSummary(table_path(data_dir), [
        Imported(hf.source_file, hf.hospital_id, hf.hospital_name, hf.file_date.isoformat(), hf.source_format,
                 hf.version, len(hf.rows), r) for hf, r in zip(files, replaced)])
