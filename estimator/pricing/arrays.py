"""Row selection for the stages' dataclasses of arrays: every array has the scenarios on its last axis."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def take(obj: T, rows: np.ndarray | slice) -> T:
    """A copy of the dataclass ``obj`` holding only the scenarios at ``rows`` (an index array or a
    slice); fields that are not arrays (or are None) are kept as they are."""
    return replace(obj, **{f.name: v[..., rows] for f in fields(obj)
                           if isinstance(v := getattr(obj, f.name), np.ndarray)})
