"""Output files replaced whole or not at all: written to a temporary file beside the target, given
the mode a new file would have (0666 less the process's umask, e.g. 0644), then renamed over it.
A failed write leaves the earlier file as it was and no temporary file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _umask() -> int:
    """The process's umask, read from /proc where there is one (setting it to read it back would
    briefly change it for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def replace_whole(target: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary path)``, then that file renamed to ``target`` (same folder, so the rename is
    atomic). Any error from ``write`` or the rename is raised after the temporary file is deleted."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
