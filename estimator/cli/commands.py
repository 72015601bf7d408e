"""Command line: ``python -m estimator quote ...`` (and the other subcommands).

Option names are stable; scripts may rely on them and on the JSON shape of ``quote --json``.
Bad input exits with status 2 and one line per problem naming the option and what is allowed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from estimator import gfe
from estimator.cli import log_commands as cli_log
from estimator.cli.api_commands import add_api_commands
from estimator.cli.output import write_file
from estimator.cli.payer_rate_commands import add_payer_rate_commands
from estimator.cluster.client import check_engine_options, count_type
from estimator.common import i18n
from estimator.common.i18n import _, ngettext
from estimator.common.money import between, usd, usd_range
from estimator.documents.gfe_pdf import gfe_pdf, gfe_text
from estimator.frontdesk import batch_csv, clinic_prices
from estimator.frontdesk.clinic_prices import PriceList
from estimator.inputs import readers
from estimator.inputs.fields import COVERAGE, FIELDS, REGISTRY, SEDATION, FieldSpec, one_line, read, show
from estimator.inputs.parsing import scenario_from_strings
from estimator.planning import series
from estimator.quote import Quote, quote
from estimator.records.storage import StorageError
from estimator.scenario import (
    COVERAGE_LABELS,
    SEDATION_LABELS,
    SITE_LABELS,
    FieldError,
    ScenarioError,
)

EXIT_USAGE = 2
#: Options of the other subcommands, so their messages name them as typed.
OTHER_OPTIONS = {"input", "output", "prices", "documents", "scheduled", "service", "requested", "estimate", "billed",
                 "bill_date", "provider", "count", "weeks_apart", "lang",
                 # the quote log (estimator.cli.log_commands)
                 "save", "by", "patient_name", "patient_dob", "patient_ref", "app_role", "from", "to",
                 # the HTTP API (estimator.cli.api_commands)
                 "host", "port", "workers", "name",
                 # batch quoting past one machine (estimator.cluster)
                 "engine", "scheduler", "partitions",
                 # insurers' rate files (estimator.cli.payer_rate_commands)
                 "inputs", "npi", "tin", "as_of", "rates", "providers", "data_dir"}

def option(field: str) -> str:
    """The command-line option for a scenario field: deductible_met -> --deductible-met."""
    return FIELDS[field].option if field in FIELDS else "--" + field.replace("_", "-")


def _help(spec: FieldSpec) -> str:
    """An option's help, from the registry: what it is, its unit, what a blank means, where it applies."""
    text = (spec.help or spec.label).replace("%", "%%")
    bits = [f"blank: {spec.blank}" if spec.blank else f"default {spec.default}" if spec.default is not None else ""]
    if spec.coverages != frozenset(COVERAGE):
        bits.append("only with --coverage " + "/".join(c for c in COVERAGE if c in spec.coverages))
    if spec.sedations != frozenset(SEDATION):
        bits.append("only with --sedation " + "/".join(s for s in SEDATION if s in spec.sedations))
    return text + " (" + "; ".join(b for b in bits if b).replace("%", "%%") + ")" if any(bits) else text


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line naming the option, exit 2, no usage dump
        m = re.match(r"argument (--[\w-]+)(?:/[^:]*)?: (.*)", message)
        if m:
            raise ScenarioError([FieldError(m.group(1).lstrip("-").replace("-", "_"), show(m.group(2)))])
        m = re.match(r"argument (command|\w+): invalid choice: (.*?) \(choose from (.*)\)", message)
        if m:
            raise ScenarioError([FieldError("command", f"{show(m.group(2))} is not a command: one of "
                                                       f"{m.group(3).replace(chr(39), '')}")])
        m = re.match(r"the following arguments are required: (.*)", message)
        if m:
            raise ScenarioError([FieldError(a.strip().split("/")[-1], "is required") for a in m.group(1).split(",")])
        m = re.match(r"unrecognized arguments: (.*)", message)
        if m:
            words = m.group(1).split()
            opts = [w.split("=")[0] for w in words if w.startswith("-")]
            raise ScenarioError([FieldError(show(o), "is not an option of this command (see --help)")
                                 for o in opts] or
                                [FieldError("arguments", f"{show(m.group(1))} was not expected (see --help)")])
        raise ScenarioError([FieldError("usage", show(message))])


def _joined(argv: Sequence[str]) -> list[str]:
    """``--opt VALUE`` as ``--opt=VALUE`` for options that take a value, so a value starting with '-'
    (``--deductible -5``, ``--zip -inf``) reaches the option's own check instead of looking like an option."""
    takes_value = {spec.option for spec in REGISTRY} | {
        "--input", "--output", "-o", "--prices", "--documents", "--scheduled", "--service", "--requested",
        "--provider", "--estimate", "--billed", "--bill-date", "--data-dir", "--count", "--weeks-apart", "--lang",
        "--by", "--patient-name", "--patient-dob", "--patient-ref", "--app-role", "--from", "--to",
        "--host", "--port", "--workers", "--name", "--partitions", "--scheduler"}
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-") and argv[i + 1] not in takes_value:
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _add_quote_options(p: argparse.ArgumentParser) -> None:
    """The scenario's options (one per registry field) and --lang, for every command that quotes."""
    p.add_argument("--lang", dest="lang", metavar="{" + ",".join(i18n.LANGUAGES) + "}",
                   help="language of the steps, warnings and summary: "
                        + ", ".join(f"{c} ({n})" for c, n in i18n.LANGUAGES.items())
                        + "; JSON keys and warning codes are the same in every language (default en)")
    for spec in REGISTRY:
        if spec.kind == "flag":  # --grandfathered alone means yes; --grandfathered no is accepted too
            p.add_argument(spec.option, dest=spec.name, metavar=spec.metavar(), nargs="?", const="yes",
                           help=_help(spec))
        else:
            p.add_argument(spec.option, dest=spec.name, metavar=spec.metavar(), help=_help(spec))


def format_quote(q: Quote) -> str:
    """A readable summary of a quote for the terminal, in the current language (estimator.common.i18n)."""
    sc = q.scenario
    loc = q.place.locality
    bill, allowed, likely, billed = _("Bill"), _("Allowed (typical)"), _("Likely range"), _("Billed (typical)")
    total = _("Total")
    w = max([46, len(bill) + 2, len(total) + 2] + [len(c["label"]) + 2 for c in q.components])  # label column
    network = ""
    if sc.coverage == "commercial":
        network = ", " + (_("in network") if sc.network == "in" else _("out of network"))
    out = [f"{q.code_name} ({q.code}), {q.year}",
           _("{locality} (Medicare locality {key})").format(locality=loc.label, key=loc.key)
           + f"; {_(SITE_LABELS[sc.site])}; {_(SEDATION_LABELS[sc.sedation])}; {_(COVERAGE_LABELS[sc.coverage])}"
           + network,
           "", f"{bill:<{w}}{allowed:>18}  {likely:<20}{billed:>17}"]
    for c in q.components:
        a, b = c["allowed"], c["billed"]
        out.append(f"{c['label']:<{w}}{usd(a['typical'], True):>18}  {usd_range(a['low'], a['high']):<20}"
                   f"{usd(b['typical'], True):>17}")
    ta, tb = q.total_allowed, q.total_billed
    out.append(f"{total:<{w}}{usd(ta['typical'], True):>18}  {usd_range(ta['low'], ta['high']):<20}"
               f"{usd(tb['typical'], True):>17}")
    p = q.patient_pays
    out += ["", _("You would likely pay {amount} ({range}). The plan pays about {plan}.").format(
                amount=usd(p['typical'], True), range=between(p['low'], p['high']),
                plan=usd(q.plan_pays['typical'], True)), "", _("How this was worked out:")]
    out += [f"  {i}. {s}" for i, s in enumerate(q.steps, 1)]
    if q.warnings:
        out += ["", _("Please note:")]
        out += [f"  {'!' if w['severity'] == 'warning' else '-'} {w['message']}" for w in q.warnings]
    out += ["", _("Data version {version}. Sources:").format(version=q.data_version)]
    out += [f"  - {s}" for s in q.sources]
    out += ["", _("This is an estimate, not a bill or a promise of payment, and it is not medical advice.")]
    return "\n".join(out)


def _scenario_values(args: argparse.Namespace) -> dict[str, str]:
    """The quote options given, as typed; an empty one is an error naming it."""
    values = {f: getattr(args, f) for f in FIELDS if getattr(args, f) is not None}
    empty = [FieldError(f, _("is empty: give {allowed}, or leave the option out").format(allowed=FIELDS[f].allowed()))
             for f, v in values.items() if not str(v).strip()]
    if empty:
        raise ScenarioError(empty)
    return values


def cmd_quote(args: argparse.Namespace) -> int:
    values = _scenario_values(args)
    saving = cli_log.save_request(args)
    q = quote(scenario_from_strings(values))
    saved = cli_log.save_quote(q, *saving) if saving else None
    if args.json:
        print(json.dumps({**q.to_dict(), "quote_id": saved.id} if saved else q.to_dict(), indent=2))
    else:
        print(format_quote(q))
        if saved:
            print(f"\nSaved as quote {saved.id}")
    return 0


def format_series(plan: series.SeriesPlan) -> str:
    """A readable summary of a series for the terminal, in the current language (estimator.common.i18n): each
    injection, the running total, the notes."""
    first = plan.injections[0].quote
    sc, loc = first.scenario, first.place.locality
    what = {"procedure": first.code_name, "code": first.code, "year": first.year}
    if plan.count > 1:
        head = ngettext("{count} injections, {weeks} week apart: {procedure} ({code}), {year}",
                        "{count} injections, {weeks} weeks apart: {procedure} ({code}), {year}", plan.weeks_apart)
    else:
        head = _("{count} injection: {procedure} ({code}), {year}")
    head = head.format(count=plan.count, weeks=plan.weeks_apart, **what)
    header = [_("Injection"), _("Week"), _("You pay (typical)"), _("Low bills"), _("High bills"),
              _("Running total")]
    rows, running = [], 0.0
    for inj in plan.injections:
        p = inj.patient_pays
        running += p["typical"]
        rows.append([str(inj.number), str(inj.week), usd(p["typical"], True), usd(p["low"], True),
                     usd(p["high"], True), usd(running, True)])
    t = plan.total_patient_pays
    rows.append([_("Total"), "", usd(t["typical"], True), usd(t["low"], True), usd(t["high"], True), ""])
    # Columns as wide as their longest cell (headings are longer in some languages), two spaces apart.
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [head,
           _("{locality} (Medicare locality {key})").format(locality=loc.label, key=loc.key)
           + f"; {_(SITE_LABELS[sc.site])}; {_(SEDATION_LABELS[sc.sedation])}; {_(COVERAGE_LABELS[sc.coverage])}",
           "", line(header), *(line(r) for r in rows)]
    out += ["", _("You would likely pay {amount} in all ({range}). The plan pays about {plan}.").format(
                amount=usd(t["typical"], True), range=between(t["low"], t["high"]),
                plan=usd(plan.total_plan_pays["typical"], True)),
            _("Low and high bills: each injection's share when all the bills are at the low (or high) end of "
              "their range; a later injection can cost more with low bills, as the first then fills less of "
              "the deductible.")]
    notes: dict[tuple[str, str], list[int]] = {}
    for inj in plan.injections:
        for w in inj.merged["warnings"]:
            if w["severity"] == "warning":
                notes.setdefault((w["code"], w["message"]), []).append(inj.number)
    if notes or plan.warnings:
        out += ["", _("Please note:")]
        out += [f"  {'!' if w['severity'] == 'warning' else '-'} {w['message']}" for w in plan.warnings]
        for (_code, message), numbers in notes.items():
            if len(numbers) == plan.count and plan.count > 1:
                line = _("All injections: {message}")
            else:
                line = ngettext("Injection {numbers}: {message}", "Injections {numbers}: {message}", len(numbers))
            out.append("  ! " + line.format(numbers=", ".join(map(str, numbers)), message=message))
    out += ["", _("Each injection's own estimate, with how it was worked out: `quote` with the same options, or "
                  "this command with --json."),
            _("This is an estimate, not a bill or a promise of payment, and it is not medical advice.")]
    return "\n".join(out)


def cmd_series(args: argparse.Namespace) -> int:
    """Price a series of injections, each with what the ones before it paid toward the deductible."""
    values = _scenario_values(args)
    for name in ("count", "weeks_apart"):
        if getattr(args, name) is not None and not str(getattr(args, name)).strip():
            spec = series.COUNT if name == "count" else series.WEEKS_APART
            raise ScenarioError([FieldError(name, f"is empty: give {spec.allowed()}")])
    count = series.read_count(args.count)
    weeks = series.read_weeks_apart(args.weeks_apart)
    plan = series.plan_series(scenario_from_strings(values), count, weeks)
    print(json.dumps(plan.to_dict(), indent=2) if args.json else format_series(plan))
    return 0


def _date(field: str, text: str | None) -> date | None:
    """A YYYY-MM-DD option, from 1900-01-01 to three years ahead (``readers.parse_date``)."""
    if not text:
        return None
    return readers.parse_date(text, field)


def _prices(path: str | None) -> PriceList | None:
    """The --prices file; its problems are named ``prices`` (the file) or ``prices row N field``."""
    if not path:
        return None
    data = readers.read_file(path, "prices", clinic_prices.MAX_BYTES)
    try:
        return PriceList.from_bytes(data, label=f"clinic prices ({Path(path).name})")
    except ScenarioError as e:
        raise ScenarioError([FieldError("prices", x.message) if x.field == "file" else x.within("prices", " ")
                             for x in e.errors]) from None


def _case_path(args: argparse.Namespace) -> Path:
    """The case file, given as the command's argument or as --input (exactly one of them)."""
    given = [a for a in (args.case, args.input) if a is not None]
    if len(given) != 1:
        raise ScenarioError([FieldError("input", "give the case file (JSON) once: as --input CASE.json or as the "
                                                 "command's first argument" + (", not both" if given else ""))])
    return Path(given[0])


def cmd_gfe(args: argparse.Namespace) -> int:
    """Write a Good Faith Estimate PDF (or, with --fhir, a Da Vinci PCT GFE Packet) from a case file (JSON)."""
    path = _case_path(args)
    data = readers.read_json_file(path, "input")
    case = gfe.GfeCase.from_dict(data, base_dir=path.parent)
    prices = _prices(args.prices)
    q, lines = gfe.build(case, prices=prices)
    total = sum(li.amount for li in lines)
    if args.fhir:
        from estimator.gfe.fhir_packet import gfe_packet, packet_json

        packet = gfe_packet(case, q, lines)
        write_file("output", args.output, packet_json(packet).encode("utf-8"))
        providers = len({li.role for li in lines})
        print(f"wrote {args.output}: GFE Packet, {providers} providers, total expected charges ${total:,.2f}")
    else:
        write_file("output", args.output, gfe_pdf(case, q, lines))
        print(f"wrote {args.output}: {len(lines)} items, total expected charges ${total:,.2f}")
    due = gfe_text(case, q, lines)["deadline"]
    if due:
        print(f"deadline: {due.latest:%Y-%m-%d} ({due.rule})" if due.latest else f"deadline: {due.rule}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Quote every row of a CSV of scheduled cases; write the results as CSV."""
    check_engine_options(args.engine, args.scheduler, args.workers, args.partitions)
    if args.engine:
        return _batch_engine(args)
    data = readers.read_file(args.input, "input", batch_csv.MAX_BYTES)
    df, notes = batch_csv.read_cases(data)
    prices = _prices(args.prices)
    result = batch_csv.quote_cases(df, prices)
    write_file("output", args.output, result.to_csv().encode("utf-8"))
    for note in notes:
        print(note, file=sys.stderr)
    print(f"wrote {args.output}: {len(df)} rows, {result.ok} quoted, {len(df) - result.ok} with errors")
    if args.documents:
        write_file("documents", args.documents, batch_csv.documents_zip(result, prices))
        print(f"wrote {args.documents}")
    return 0


def _batch_engine(args: argparse.Namespace) -> int:
    """Scenario files of any size through quote_frame, partition by partition: on Dask (a cluster at
    --scheduler, else a local one of --workers processes) or, with --engine local, in this process."""
    from estimator.cluster import batch_quotes
    from estimator.cluster.client import connect

    for name, why in (("prices", "a clinic price list"), ("documents", "PDF summaries")):
        if getattr(args, name):
            raise ScenarioError([FieldError(name, f"{why} applies to a day's schedule (batch without --engine)")])
    if args.engine == "local":
        summary = batch_quotes.quote_files(args.input, args.output, None, args.partitions)
    else:
        with connect(args.scheduler, args.workers) as client:
            summary = batch_quotes.quote_files(args.input, args.output, client, args.partitions)
    print(f"wrote {summary.output}: {summary.rows} rows, {summary.ok} quoted, {summary.errors} with errors "
          f"({summary.partitions} partitions, {summary.seconds:.1f} s, "
          f"{summary.rows / max(summary.seconds, 1e-9):,.0f} rows/s)")
    return 0


def cmd_deadline(args: argparse.Namespace) -> int:
    """When a Good Faith Estimate is due, in business days."""
    dates = _date("scheduled", args.scheduled), _date("service", args.service), _date("requested", args.requested)
    if dates[0] and dates[1] and dates[1] < dates[0]:
        raise ScenarioError([FieldError("service", f"{dates[1]} is before the scheduling date ({dates[0]})")])
    if dates[2] and dates[1] and dates[2] > dates[1]:
        raise ScenarioError([FieldError("requested", f"{dates[2]} is after the service date ({dates[1]})")])
    try:
        due = gfe.deadline(*dates)
    except ValueError as e:
        raise ScenarioError([FieldError("scheduled", str(e))]) from None
    print(f"{due.latest:%Y-%m-%d}: {due.rule}" if due.latest else due.rule)
    return 0


def cmd_check_bill(args: argparse.Namespace) -> int:
    """Is a bill $400 or more above its Good Faith Estimate, and until when can it be disputed?"""
    bill_date = _date("bill_date", args.bill_date)
    if bill_date is None:
        raise ScenarioError([FieldError("bill_date", "is required (YYYY-MM-DD)")])
    est = {args.provider: parse_amount("estimate", args.estimate)}
    checks = gfe.check_bill(est, {args.provider: parse_amount("billed", args.billed)}, bill_date)
    for c in checks:
        print(c.message)
    return 0


def cmd_hospital_import(args: argparse.Namespace) -> int:
    """Add or replace hospitals from their CMS standard-charges files (CSV or JSON)."""
    from estimator.hospital_files import import_files

    summary = import_files(args.files, args.data_dir)
    for f in summary.imported:
        what = f"{f.n_prices} prices for 62320-62323" if f.n_prices else "no prices for 62320-62323 in the file"
        print(f"{'replaced' if f.replaced else 'added'} {f.hospital_id} {f.hospital_name}: file date {f.file_date}, "
              f"{f.source_format} v{f.version}, {what} ({f.source_file})")
    print(f"table: {summary.table}", file=sys.stderr)
    return 0


def cmd_hospital_list(args: argparse.Namespace) -> int:
    """One line per imported hospital: id (CCN or license), name, file date, prices, imported at."""
    from estimator.hospital_files import list_hospitals

    hospitals = list_hospitals(args.data_dir)
    for h in hospitals:
        print("\t".join([h.ccn or h.hospital_id, h.hospital_name, h.file_date, f"{h.n_prices} prices", h.imported_at]))
    if not hospitals:
        print("no hospitals imported", file=sys.stderr)
    return 0


def cmd_hospital_remove(args: argparse.Namespace) -> int:
    """Remove an imported hospital and its prices."""
    from estimator.hospital_files import remove_hospital

    try:
        h = remove_hospital(args.hospital, args.data_dir)
    except ScenarioError as e:  # the command's HOSPITAL argument, not the quote's --hospital option
        for err in e.errors:
            print(f"error: {one_line(err.field)}: {one_line(err.message)}", file=sys.stderr)
        return EXIT_USAGE
    print(f"removed {h.hospital_id} {h.hospital_name} ({h.n_prices} prices)")
    return 0


def parse_amount(field: str, text: str) -> float:
    """A dollar amount read like every money field of a quote (fields.read: finite, 0 to 1,000,000)."""
    value, problem = read(FIELDS["billed"], text)
    if problem or value is None:
        raise ScenarioError([FieldError(field, problem or "is required: an amount in dollars")])
    return float(value)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m estimator",
                     description="Out-of-pocket cost estimates for epidural injections (CPT 62320-62323).")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    q = sub.add_parser("quote", help="estimate one visit")
    _add_quote_options(q)
    q.add_argument("--json", action="store_true", help="print the quote as JSON")
    cli_log.add_save_options(q)
    q.set_defaults(func=cmd_quote)

    s = sub.add_parser("series", help="estimate a series of injections (the deductible fills as they go)")
    s.add_argument("--count", required=True, metavar="N", help=series.COUNT.help)
    s.add_argument("--weeks-apart", dest="weeks_apart", metavar="W",
                   help=f"{series.WEEKS_APART.help} (default {series.DEFAULT_WEEKS_APART})")
    _add_quote_options(s)
    s.add_argument("--json", action="store_true", help="print the injections' quotes and the totals as JSON")
    s.set_defaults(func=cmd_series)

    g = sub.add_parser("gfe", help=cmd_gfe.__doc__)
    g.add_argument("case", nargs="?", help="the case file (JSON), or give it as --input")
    g.add_argument("--input", help="the case file (JSON)")
    g.add_argument("-o", "--output", required=True, help="where to write the PDF (with --fhir, the JSON)")
    g.add_argument("--fhir", action="store_true",
                   help="write a Da Vinci PCT GFE Packet (FHIR R4 JSON) instead of the PDF")
    g.add_argument("--prices", help="the clinic's price list (CSV) for its cash prices")
    g.add_argument("--lang", dest="lang", metavar="{" + ",".join(i18n.LANGUAGES) + "}",
                   help="language of the estimate: " + ", ".join(f"{c} ({n})" for c, n in i18n.LANGUAGES.items())
                        + "; the amounts, codes and dates are the same in every language (default en)")
    g.set_defaults(func=cmd_gfe)

    b = sub.add_parser("batch", help=cmd_batch.__doc__)
    b.add_argument("input", help="the cases (CSV; columns as in the template); with --engine, a CSV or "
                                 "Parquet file, a directory of them or a glob, of any size")
    b.add_argument("-o", "--output", required=True,
                   help="where to write the results (CSV); with --engine, a .csv file or a Parquet directory")
    b.add_argument("--prices", help="the clinic's price list (CSV)")
    b.add_argument("--documents", help="also write a ZIP of one-page PDF summaries here")
    b.add_argument("--engine", choices=("local", "dask"),
                   help="quote scenario files of any size with quote_frame's columns: in this process (local) "
                        "or on Dask (dask)")
    b.add_argument("--scheduler", help="with --engine dask: a running Dask scheduler's address "
                                       "(e.g. tcp://10.0.0.5:8786); else a local cluster is started")
    b.add_argument("--workers", type=count_type("workers"), metavar="N",
                   help="with --engine dask and no --scheduler: worker processes of the local cluster, 1 to "
                        "512 (default: one per core)")
    b.add_argument("--partitions", type=count_type("partitions"), metavar="N",
                   help="with --engine: split the input into N partitions, 1 to 100,000 (default: about 32 MiB of "
                        "CSV each, split at line breaks outside quoted cells, a .csv.gz file whole, or the Parquet "
                        "files' row groups)")
    b.set_defaults(func=cmd_batch)

    d = sub.add_parser("gfe-deadline", help=cmd_deadline.__doc__)
    d.add_argument("--scheduled", help="date the service was scheduled (YYYY-MM-DD)")
    d.add_argument("--service", help="date of the service (YYYY-MM-DD)")
    d.add_argument("--requested", help="date the patient asked for an estimate (YYYY-MM-DD)")
    d.set_defaults(func=cmd_deadline)

    c = sub.add_parser("check-bill", help=cmd_check_bill.__doc__)
    c.add_argument("--provider", default="provider", help="the provider or facility's name")
    c.add_argument("--estimate", required=True, help="that provider's total on the Good Faith Estimate ($)")
    c.add_argument("--billed", required=True, help="that provider's bill ($)")
    c.add_argument("--bill-date", required=True, dest="bill_date", help="date on the bill (YYYY-MM-DD)")
    c.set_defaults(func=cmd_check_bill)

    h = sub.add_parser("hospital-prices", help="a hospital's own standard-charges file (CMS price transparency)")
    hsub = h.add_subparsers(dest="hospital_command", parser_class=_Parser)
    data_dir = "folder of the table (default $ESTIMATOR_DATA_DIR, else var/)"
    hi = hsub.add_parser("import", help=cmd_hospital_import.__doc__)
    hi.add_argument("files", nargs="+", help="the hospital's machine-readable file(s): CSV (tall or wide) or JSON")
    hi.add_argument("--data-dir", dest="data_dir", help=data_dir)
    hi.set_defaults(func=cmd_hospital_import)
    hl = hsub.add_parser("list", help=cmd_hospital_list.__doc__)
    hl.add_argument("--data-dir", dest="data_dir", help=data_dir)
    hl.set_defaults(func=cmd_hospital_list)
    hr = hsub.add_parser("remove", help=cmd_hospital_remove.__doc__)
    hr.add_argument("hospital", help="the hospital's CCN or id, as `hospital-prices list` shows it")
    hr.add_argument("--data-dir", dest="data_dir", help=data_dir)
    hr.set_defaults(func=cmd_hospital_remove)
    cli_log.add_log_commands(sub, _Parser)
    add_api_commands(sub, _Parser)
    add_payer_rate_commands(sub, _Parser)
    return parser


def _where(field: str) -> str:
    """Where a problem is, as the user typed it: a scenario field or file option as its option
    (``deductible`` -> ``--deductible``, ``prices row 5 amount`` -> ``--prices row 5 amount``)."""
    first, _, rest = field.partition(" ")
    if first in FIELDS or first in OTHER_OPTIONS:
        return option(first) + (" " + rest if rest else "")
    return field


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(_joined(sys.argv[1:] if argv is None else list(argv)))
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        lang = getattr(args, "lang", None)
        with i18n.use(i18n.DEFAULT if lang is None else i18n.check(lang)):
            status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below, not at exit
        return status
    except BrokenPipeError:  # e.g. `... | head`: the reader has gone; stop quietly (see the signal docs)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ScenarioError as e:
        for err in e.errors:
            print(f"error: {_where(err.field)}: {one_line(err.message)}" if err.field != "usage"
                  else f"error: {one_line(err.message)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        print(f"error: {e.strerror or e}: {getattr(e, 'filename', '') or ''}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as e:  # the database failed: its message holds no SQL and no patient details
        print(f"error: quote log: {one_line(str(e))}", file=sys.stderr)
        return cli_log.EXIT_BROKEN
