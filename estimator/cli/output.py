"""Files the command line writes."""

from __future__ import annotations

from pathlib import Path

from estimator.common.errors import FieldError, ScenarioError
from estimator.common.shown import show


def write_file(field: str, path: str, data: bytes) -> None:
    """Write an output file; a path that cannot be written is an error naming the option."""
    try:
        Path(path).write_bytes(data)
    except OSError as e:
        raise ScenarioError([FieldError(field, f"cannot write {show(path)}: {e.strerror or 'not writable'}")]) \
            from None
