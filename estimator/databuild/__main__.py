"""Command line for the data build: ``python -m estimator.databuild --reference ../shared/reference``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from estimator.databuild.build import build_tables, compare_tables, write_tables

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m estimator.databuild",
                                     description="Build data/ from the public reference files.")
    parser.add_argument("--reference", type=Path, default=Path("../shared/reference"),
                        help="folder with the CMS and market reference files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the tables")
    parser.add_argument("--check", action="store_true",
                        help="compare the tables in --out with a fresh build; write nothing")
    args = parser.parse_args(argv)
    if not args.reference.is_dir():
        print(f"--reference: no such folder: {args.reference}", file=sys.stderr)
        return 2
    tables = build_tables(args.reference)
    if args.check:
        diffs = compare_tables(tables, args.out)
        if diffs:
            print("data/ differs from a fresh build: " + ", ".join(diffs), file=sys.stderr)
            return 1
        print(f"data/ matches a fresh build ({len(tables)} tables)")
        return 0
    write_tables(tables, args.out)
    print(f"wrote {len(tables)} tables to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
