"""A user's value written back to them in a message: short, on one printable line."""

from __future__ import annotations

import math


def show(value: object) -> str:
    """A value as the user typed it, for messages: 150.0 -> '150'; shortened to 40 characters, and
    control characters (a NUL, a line break) written as escapes so a message stays one plain line."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    s = str(value)
    return one_line(s if len(s) <= 40 else s[:37] + "...")


def one_line(text: str) -> str:
    """``text`` with control characters (a NUL, a line break) written as escapes: one printable line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
