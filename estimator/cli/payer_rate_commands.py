"""Insurers' rate files on the command line: ``payer-rates import`` and ``payer-rates clinic-prices``.

``import`` reads TiC in-network files (files, URLs, URL lists, tables of contents), here or on Dask,
into one Parquet table of this project's codes; ``clinic-prices`` turns a clinic's imported rates
into the clinic price list the front desk reads (``--prices``); ``bands`` builds the payer bands
(``payer_bands.csv``) from rates imported across many providers.

Every output replaces an earlier one whole or not at all (estimator.payer_rates.atomic): an import
of which every file failed writes nothing, and ``bands`` does not replace a table with an empty one
when its input had no rates or placed none of their providers.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date

import pandas as pd

from estimator.cli.output import write_file
from estimator.common.errors import fail
from estimator.common.shown import show

#: An NPI: ten digits; a TIN (EIN): nine digits, with or without the dash.
NPI = re.compile(r"\d{10}")
TIN = re.compile(r"\d{2}-?\d{7}")
EXIT_SOME_FILES_FAILED = 1


def _ids(values: list[str] | None, field: str, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    out = []
    for v in values or []:
        for part in (p.strip() for p in v.split(",")):
            if part and not pattern.fullmatch(part):
                raise fail(field, f"{show(part)} is not {what}")
            if part:
                out.append(part)
    return tuple(out)


def _tins(values: list[str] | None) -> tuple[str, ...]:
    """Each TIN as written and in the other usual form (12-3456789 and 123456789), as files use both."""
    out: list[str] = []
    for t in _ids(values, "tin", TIN, "a TIN: nine digits, e.g. 12-3456789"):
        digits = t.replace("-", "")
        out += [digits, f"{digits[:2]}-{digits[2:]}"]
    return tuple(dict.fromkeys(out))


def cmd_import(args: argparse.Namespace) -> int:
    """Import insurers' TiC in-network files (this project's codes only) into a Parquet table."""
    from estimator.payer_rates.importer import import_rates

    npis = _ids(args.npi, "npi", NPI, "an NPI: ten digits")
    tins = _tins(args.tin)
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        raise fail("as_of", f"{show(args.as_of)} is not a date: YYYY-MM-DD") from None
    from estimator.cluster.client import check_engine_options, connect

    check_engine_options(args.engine, args.scheduler, args.workers)
    if args.engine == "dask":
        with connect(args.scheduler, args.workers) as client:
            s = import_rates(args.inputs, args.output, client, npis, tins, as_of)
    else:
        s = import_rates(args.inputs, args.output, None, npis, tins, as_of)
    files = f"{s.files} file" + ("s" if s.files != 1 else "")
    if not s.written:
        for e in s.failed:
            print(f"error: {e}", file=sys.stderr)
        print(f"error: every one of the {files} failed: nothing written, {show(s.output)} left as it was",
              file=sys.stderr)
        return EXIT_SOME_FILES_FAILED
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(s.excluded.items()))
    print(f"wrote {s.output}: {s.rows} rates of {files} ({len(s.failed)} failed), {s.prices} usable "
          f"prices; kept out of prices: {reasons}; {s.counts.get('invalid', 0)} invalid; "
          f"{s.counts.get('invalid_provider_groups', 0)} provider groups invalid; "
          f"{s.counts.get('other_codes', 0)} items of other codes skipped; "
          f"{s.json_bytes / 1e6:,.1f} MB of JSON in {s.seconds:.1f} s")
    for p in s.problems:
        print(f"problem: {p}", file=sys.stderr)
    for e in s.failed:
        print(f"error: {e}", file=sys.stderr)
    return EXIT_SOME_FILES_FAILED if s.failed else 0


def cmd_clinic_prices(args: argparse.Namespace) -> int:
    """Turn a clinic's imported rates into its price list (CSV, for --prices)."""
    from estimator.payer_rates.clinic_export import clinic_price_list

    export = clinic_price_list(_read_rates(args.rates))
    if not export.lines:
        raise fail("rates", "no usable rate for codes 62320-62323 in the file: nothing to write")
    write_file("output", args.output, export.csv.encode("utf-8"))
    print(f"wrote {args.output}: {export.lines} prices; left out: {export.with_modifier} rates with a modifier, "
          f"{export.other_places} at other places of service, {export.no_place} facility fees with no place of "
          f"service, {export.no_payer} rates with no payer named")
    return 0


def cmd_bands(args: argparse.Namespace) -> int:
    """Build commercial surgery-center and office bands per payer and state from imported rates."""
    from estimator.payer_rates.atomic import replace_whole
    from estimator.payer_rates.bands import build, read_providers
    from estimator.reference import payer_bands

    rates = _read_rates(args.rates)
    target = payer_bands.path(args.data_dir)
    kept = f"nothing written, {show(str(target))} left as it was"
    if rates.empty:
        raise fail("rates", f"{show(args.rates)} holds no rates: {kept}")
    providers = read_providers(args.providers, frozenset(rates["npi"]) - {""})
    if providers.empty:
        raise fail("providers", f"none of the rates' NPIs is in {show(args.providers)}: {kept}")
    built = build(rates, providers)
    earlier = payer_bands.read(target) if target.is_file() else None
    try:
        replace_whole(target, lambda tmp: built.bands.to_csv(tmp, index=False))
    except OSError as e:
        raise fail("data_dir", f"cannot write {show(str(target))}: {e.strerror or e}") from None
    if built.bands.empty:
        print(f"no band has {payer_bands.MIN_PROVIDERS} or more providers (tax IDs) in these rates: the table is "
              "empty" + (f", replacing {len(earlier.bands)} bands" if earlier and earlier.bands else ""),
              file=sys.stderr)
    print(f"wrote {target}: {len(built.bands)} bands of {built.bands['payer'].nunique()} payers in "
          f"{built.bands['state'].nunique()} states, each backed by {payer_bands.MIN_PROVIDERS} or more providers "
          f"(tax IDs); left out: {built.thin_groups} with fewer, {built.unplaced_rates} rates whose NPI has no state "
          f"in the providers file, {built.unnamed_payer_rates} rates with no payer named")
    return 0


def _read_rates(path: str) -> pd.DataFrame:
    from estimator.payer_rates.tic_file import COLUMNS

    try:
        rates = pd.read_parquet(path)
    except (OSError, ValueError) as e:
        raise fail("rates", f"cannot read {show(path)} as imported rates (Parquet): {e}") from None
    missing = [c for c in COLUMNS if c not in rates.columns]
    if missing:
        raise fail("rates", f"{show(path)} is not a payer-rates import: no column {', '.join(missing[:3])}")
    return rates


def add_payer_rate_commands(sub: argparse._SubParsersAction, parser_class: type) -> None:
    """The ``payer-rates`` commands."""
    p = sub.add_parser("payer-rates", help="insurers' Transparency in Coverage rate files")
    psub = p.add_subparsers(dest="payer_rates_command", parser_class=parser_class)
    i = psub.add_parser("import", help=cmd_import.__doc__)
    i.add_argument("inputs", nargs="+", metavar="FILE|URL-LIST|TOC",
                   help="in-network files (JSON, gzip or not), their URLs, text files listing them, or tables of "
                        "contents")
    i.add_argument("-o", "--output", required=True, help="where to write the rates (.parquet)")
    i.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="read the files here one by one (local) or in parallel on Dask (dask)")
    i.add_argument("--scheduler", help="with --engine dask: a running Dask scheduler's address")
    from estimator.cluster.client import count_type

    i.add_argument("--workers", type=count_type("workers"), metavar="N",
                   help="with --engine dask and no --scheduler: local worker processes, 1 to 512 "
                        "(default: one per core)")
    i.add_argument("--npi", action="append", help="keep only these providers' rates (NPIs, repeat or comma-separate)")
    i.add_argument("--tin", action="append", help="keep only these tax IDs' rates (EINs, repeat or comma-separate)")
    i.add_argument("--as-of", dest="as_of", help="rates expiring before this date are expired (default today)")
    i.set_defaults(func=cmd_import)
    c = psub.add_parser("clinic-prices", help=cmd_clinic_prices.__doc__)
    c.add_argument("rates", help="a payer-rates import, filtered to the clinic's NPIs or TINs (.parquet)")
    c.add_argument("-o", "--output", required=True, help="where to write the price list (CSV)")
    c.set_defaults(func=cmd_clinic_prices)
    b = psub.add_parser("bands", help=cmd_bands.__doc__)
    b.add_argument("rates", help="a payer-rates import across many providers (.parquet)")
    b.add_argument("--providers", required=True,
                   help="where each NPI practises: CMS's NPPES file, or a CSV with npi, state and optionally zip")
    b.add_argument("--data-dir", dest="data_dir", help="folder of the bands (default $ESTIMATOR_DATA_DIR, else var/)")
    b.set_defaults(func=cmd_bands)
