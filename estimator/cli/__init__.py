"""The command line, ``python -m estimator``: the quote commands (commands.py), the quote log's
commands (log_commands.py) and the files they write (output.py)."""

from estimator.cli.commands import build_parser, format_series, main

__all__ = ["build_parser", "format_series", "main"]
