"""The quote log on the command line: ``quote --save`` and ``log init|verify|show|export``.

Same store as the app (``ESTIMATOR_DATABASE_URL``, else the SQLite file at ``ESTIMATOR_DB_PATH``).
Bad input is an InputError naming the option (exit 2, via ``estimator.cli.main``); a database
failure is a StorageError (exit 1), whose message holds no SQL and no patient details; a broken
hash chain is reported by ``log verify`` as one line naming the first bad record (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.exc import SQLAlchemyError

from estimator.cli.output import write_file
from estimator.common.errors import fail
from estimator.common.money import usd
from estimator.frontdesk import desk
from estimator.frontdesk.save_request import SAVE_FIELDS, read_save_request
from estimator.inputs import readers
from estimator.inputs.fields import one_line
from estimator.quote import Quote
from estimator.records.quote_record import QuoteRecord
from estimator.records.saved import record_json
from estimator.records.storage import QuoteLog, Saved, StorageError, database_url, export_csv, shown_url

EXIT_BROKEN = 1


def add_save_options(p: argparse.ArgumentParser) -> None:
    """``quote``'s options for saving the quote in the quote log, as the front desk does."""
    p.add_argument("--save", action="store_true", help="save the quote in the quote log (needs --by)")
    p.add_argument("--by", help="who is saving the quote (staff name; required with --save)")
    p.add_argument("--patient-name", dest="patient_name", help="the patient's name (optional, with --save)")
    p.add_argument("--patient-dob", dest="patient_dob", help="the patient's date of birth, YYYY-MM-DD (with --save)")
    p.add_argument("--patient-ref", dest="patient_ref", help="the clinic's reference, e.g. an MRN (with --save)")


def save_request(args: argparse.Namespace) -> tuple[str, desk.Patient] | None:
    """(who, the patient) when ``--save`` was given, else None (``read_save_request``: the API's words too)."""
    return read_save_request({f: getattr(args, f) for f in SAVE_FIELDS}, args.save, "--save")


def save_quote(q: Quote, who: str, patient: desk.Patient) -> Saved:
    """Save ``q`` as the front desk does (``desk.save_quote``: same inputs, outputs and columns)."""
    log = QuoteLog()
    return desk.save_quote(log, desk.record_inputs(q.scenario), q.to_dict(), who, patient)


# -- log ---------------------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the quote log's tables and install its guards (run as the database's owner)."""
    from estimator.records.log_schema import init_schema, make_engine

    url = database_url()
    engine = make_engine(url)
    try:
        revision = init_schema(engine, app_role=args.app_role)
    except ValueError as e:
        raise fail("app_role", str(e).partition(": ")[2]) from None
    except SQLAlchemyError as e:  # told without its SQL
        raise StorageError(f"Setting up the quote log failed ({type(e).__name__}): run `log init` as the "
                           "database's owner (see the README, 'The quote log').") from None
    finally:
        engine.dispose()
    grant = f"; {args.app_role} may read and add records only" if args.app_role else ""
    print(f"quote log ready at schema revision {revision} in {shown_url(url)}{grant}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Recompute the quote log's hash chains; name the first record that fails (exit 1)."""
    result = QuoteLog().verify()
    if result.problem:
        print(f"error: {result.problem}", file=sys.stderr)
        return EXIT_BROKEN
    print(f"ok: checked {result.quotes} quote records and {result.price_sets} clinic price lists; "
          f"the chain is intact (last hash {result.head})")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """One saved record: readable, or every stored value with --json."""
    try:
        s = QuoteLog().get(args.id)
    except KeyError:
        raise fail("id", "no saved quote with that ID (IDs look like Q7K3M9XPD2)") from None
    if args.json:
        print(json.dumps(record_json(s), indent=2))
        return 0
    rec = QuoteRecord(s)
    row = rec.table_row()
    lines = [f"Quote {s.id} (version {s.version}{', replaces ' + s.replaces_id if s.replaces_id else ''}), "
             f"{'Good Faith Estimate' if rec.is_gfe else 'quote'}",
             f"Saved {row['Saved (UTC)']} UTC by {s.created_by}",
             f"Patient: {s.patient_name or '-'}; born {s.patient_dob or '-'}; reference {s.patient_ref or '-'}",
             f"Code {row['Code']}, site {row['Site']}, coverage {row['Coverage']}, locality {row['Locality']}",
             f"Patient pays: {_usd(row['Patient pays (typical)'])} typical "
             f"({_usd(row['Patient pays (low)'])} to {_usd(row['Patient pays (high)'])}); "
             f"total allowed {_usd(row['Total allowed (typical)'])}",
             f"Data version {s.data_version}; chain #{s.seq}, hash {s.record_hash}"]
    if s.note:
        lines.append(f"Note: {s.note}")
    print("\n".join(one_line(line) for line in lines))
    return 0


def _usd(value: float) -> str:
    return usd(value, True)


def cmd_export(args: argparse.Namespace) -> int:
    """Every record saved from --from to --to (UTC days, inclusive) as CSV, safe for spreadsheets."""
    start = readers.parse_date(args.date_from, "from") if args.date_from else None
    end = readers.parse_date(args.date_to, "to") if args.date_to else None
    if start and end and end < start:
        raise fail("to", f"{end} is before --from ({start})")
    records = QuoteLog().records(start, end)

    write_file("output", args.output, export_csv(records).encode("utf-8"))
    print(f"wrote {args.output}: {len(records)} records")
    return 0


def add_log_commands(sub: argparse._SubParsersAction, parser_class: type) -> None:
    """The ``log`` command and its subcommands."""
    lg = sub.add_parser("log", help="the quote log: set up, verify, show and export saved quotes")
    lsub = lg.add_subparsers(dest="log_command", parser_class=parser_class)
    i = lsub.add_parser("init", help=cmd_init.__doc__)
    i.add_argument("--app-role", dest="app_role",
                   help="PostgreSQL: the role the app connects as; it is granted SELECT and INSERT only")
    i.set_defaults(func=cmd_init)
    v = lsub.add_parser("verify", help=cmd_verify.__doc__)
    v.set_defaults(func=cmd_verify)
    s = lsub.add_parser("show", help=cmd_show.__doc__)
    s.add_argument("id", help="the quote ID, e.g. Q7K3M9XPD2")
    s.add_argument("--json", action="store_true", help="print every stored value as JSON")
    s.set_defaults(func=cmd_show)
    e = lsub.add_parser("export", help=cmd_export.__doc__)
    e.add_argument("-o", "--output", required=True, help="where to write the CSV")
    e.add_argument("--from", dest="date_from", help="first day saved (YYYY-MM-DD, UTC)")
    e.add_argument("--to", dest="date_to", help="last day saved (YYYY-MM-DD, UTC)")
    e.set_defaults(func=cmd_export)
