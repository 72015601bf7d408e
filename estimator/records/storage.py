"""The quote log: every saved quote, kept as first given, in SQLite or PostgreSQL (SQLAlchemy).

- A record holds the quote's inputs, its outputs (the full JSON, as shown to the patient, stamped
  with a ``schema_version``), the data version it was priced with, who saved it and when, and the
  optional patient details. ``estimator.records.quote_record.QuoteRecord`` reads a record back.
- Records are never edited in place or deleted: the database itself refuses UPDATE, DELETE,
  TRUNCATE and ``INSERT OR REPLACE`` (triggers; on PostgreSQL the application's role may only SELECT
  and INSERT), and a correction is a new record that names the one it replaces. Reprinting reads
  the stored outputs, so it shows exactly the numbers first given, whatever the data tables say now.
- Records are hash-chained (``estimator.records.log_chain``): each carries the SHA-256 of its content and
  of the record before it; :meth:`QuoteLog.verify` recomputes the chain and names the first record
  that does not match. Saved clinic price lists form a chain of their own, checked the same way.
- The schema is created and upgraded by ``python -m estimator log init`` (``estimator.records.log_schema``,
  Alembic). A SQLite log creates itself at first use; a PostgreSQL log must be set up by its owner.
- Where: $ESTIMATOR_DATABASE_URL (e.g. postgresql+psycopg://user@host/db) if set, else a SQLite
  file at $ESTIMATOR_DB_PATH (default var/quotes.sqlite3).

Nothing here logs patient details, and a database failure is raised as :class:`StorageError`, whose
message holds neither SQL nor query parameters.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine import make_url as _make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from estimator.common.safe_csv import write_rows
from estimator.records import log_schema
from estimator.records.log_chain import GENESIS, as_stored, price_set_hash, quote_hash
from estimator.records.quote_record import EXPORT_COLUMNS, QuoteRecord, stamp
from estimator.records.saved import Saved

DEFAULT_SQLITE = Path(__file__).resolve().parents[2] / "var" / "quotes.sqlite3"
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read aloud

metadata = MetaData()
quotes = Table(
    "quotes", metadata,
    Column("id", String(16), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("root_id", String(16), nullable=False, index=True),
    Column("replaces_id", String(16), ForeignKey("quotes.id"), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("created_by", String(120), nullable=False),
    Column("kind", String(16), nullable=False),  # "quote" or "gfe"
    Column("patient_name", String(200)),
    Column("patient_name_key", String(200), index=True),  # lower-cased, for search
    Column("patient_dob", Date),
    Column("patient_ref", String(64)),
    Column("data_version", String(32), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("outputs", JSON, nullable=False),
    Column("note", Text),
    Column("seq", Integer, unique=True),  # the record's place in the hash chain: 1, 2, ...
    Column("prev_hash", String(64)),  # the record_hash of record seq - 1 (log_chain.GENESIS for the first)
    Column("record_hash", String(64)),  # SHA-256 of the record's content and prev_hash (log_chain)
)
price_sets = Table(
    "clinic_price_sets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # also its place in its chain
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("csv_text", Text, nullable=False),
    Column("prev_hash", String(64)),
    Column("record_hash", String(64)),
)


class StorageError(RuntimeError):
    """The quote log could not be read or written.

    The message says what failed and what to do; it never holds SQL, query parameters or patient
    details (a database driver's own message can hold all three, so it is not passed on).
    """


@dataclass(frozen=True)
class ChainProblem:
    """The first record of a chain that fails verification."""

    chain: str  # "quotes" or "clinic_price_sets"
    record: str  # the quote ID, or the price list's number
    seq: int | None  # its place in the chain (None: it has none)
    problem: str

    def __str__(self) -> str:
        where = f"record {self.record}" if self.chain == "quotes" else f"clinic price list {self.record}"
        return f"{where} (#{self.seq if self.seq is not None else '?'}): {self.problem}"


@dataclass(frozen=True)
class Verified:
    """What :meth:`QuoteLog.verify` found: the records checked and the first problem, if any."""

    quotes: int
    price_sets: int
    head: str  # the last quote record's hash (GENESIS for an empty log): note it to detect truncation
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def database_url() -> str:
    url = os.environ.get("ESTIMATOR_DATABASE_URL")
    if url:
        return url
    path = Path(os.environ.get("ESTIMATOR_DB_PATH", DEFAULT_SQLITE))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"The quote log's folder cannot be created ({type(e).__name__}): check ESTIMATOR_DB_PATH, "
                           "which must name a file in a folder this app may write to.") from None
    return f"sqlite:///{path}"


def shown_url(url: str) -> str:
    """``url`` without its password, to show."""
    try:
        return _make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: show nothing of it
        return "(the configured database)"


def new_id() -> str:
    """A quote ID like 'Q7K3M9XPD2' (9 random characters from an unambiguous alphabet)."""
    return "Q" + "".join(secrets.choice(ID_ALPHABET) for _ in range(9))


def _failed(what: str, e: SQLAlchemyError, written: bool = False) -> StorageError:
    """A StorageError for a database failure: what failed and the error's type, never its text."""
    if written:
        return StorageError(f"{what} failed: the quote log's database could not be written ({type(e).__name__}). "
                            "Nothing was saved; try again, or ask whoever runs the server to check the database.")
    return StorageError(f"{what} failed: the quote log's database could not be read ({type(e).__name__}).")


class QuoteLog:
    """The store. Safe to share between threads (one engine, pooled connections).

    ``init``: create or upgrade the schema first (``log_schema.init_schema``, under the write lock).
    By default a SQLite log does so when it is not current, so the app works on a fresh machine; a
    PostgreSQL log never does (the application's role may not create tables) and raises
    StorageError telling the operator to run ``python -m estimator log init`` as the owner.
    """

    def __init__(self, url: str | None = None, *, init: bool | None = None):
        self.url = url or database_url()
        self.engine: Engine = log_schema.make_engine(self.url)
        self._writer = log_schema.writing(self.engine)
        try:
            current = log_schema.is_current(self.engine)
            if not current and (init if init is not None else self.engine.dialect.name == "sqlite"):
                log_schema.init_schema(self.engine)
                current = True
        except SQLAlchemyError as e:
            raise StorageError(f"Opening the quote log failed: its database could not be read or set up "
                               f"({type(e).__name__}). Check ESTIMATOR_DATABASE_URL / ESTIMATOR_DB_PATH, or "
                               "run `python -m estimator log init` as the database's owner.") from None
        if not current:
            raise StorageError("The quote log's tables are missing or out of date in "
                               f"{shown_url(self.url)}: the database's owner must run "
                               "`python -m estimator log init` (see the README, 'The quote log').")

    # -- writing -------------------------------------------------------------------------------
    def save(self, inputs: dict, outputs: dict, created_by: str, *, kind: str = "quote",
             patient_name: str | None = None, patient_dob: date | None = None, patient_ref: str | None = None,
             replaces: str | None = None, note: str | None = None) -> Saved:
        """Store a new record (a correction when ``replaces`` names an earlier one) and return it.

        ``outputs`` is stored with the current ``schema_version`` (``estimator.records.quote_record``). The
        record is appended to the hash chain under the write lock. Raises ValueError (no
        ``created_by``; ``replaces`` already corrected), KeyError (no quote ``replaces``) or
        StorageError (the database failed).
        """
        if not created_by or not created_by.strip():
            raise ValueError("created_by: who is saving the quote is required")
        what = "Saving the Good Faith Estimate" if kind == "gfe" else "Saving the quote"
        inputs, outputs = as_stored(inputs), as_stored(stamp(outputs))  # exactly what reads back, and is hashed
        if isinstance(patient_dob, datetime):
            patient_dob = patient_dob.date()
        try:
            with self._writer.begin() as conn:
                log_schema.lock_for_writing(conn)
                version, root = 1, None
                if replaces:
                    prev = conn.execute(select(quotes.c.version, quotes.c.root_id)
                                        .where(quotes.c.id == replaces)).first()
                    if prev is None:
                        raise KeyError(f"replaces: no saved quote {replaces}")
                    if conn.execute(select(quotes.c.id).where(quotes.c.replaces_id == replaces)).first():
                        raise ValueError(f"replaces: quote {replaces} has already been corrected; "
                                         "correct its latest version")
                    version, root = prev.version + 1, prev.root_id
                qid = self._free_id(conn)
                seq, prev_hash = _chain_end(conn, quotes, quotes.c.seq)
                row = {"seq": seq + 1, "prev_hash": prev_hash, "id": qid, "version": version,
                       "root_id": root or qid, "replaces_id": replaces, "created_at": datetime.now(UTC),
                       "created_by": created_by.strip()[:120], "kind": kind, "patient_name": patient_name or None,
                       "patient_name_key": (patient_name or "").strip().lower() or None,
                       "patient_dob": patient_dob, "patient_ref": patient_ref or None,
                       "data_version": outputs.get("data_version", ""), "inputs": inputs, "outputs": outputs,
                       "note": note}
                row["record_hash"] = quote_hash(row)
                conn.execute(insert(quotes).values(**row))
        except IntegrityError as e:
            if replaces and self._has_correction(replaces):
                raise ValueError(f"replaces: quote {replaces} has already been corrected; "
                                 "correct its latest version") from None
            raise _failed(what, e, written=True) from None
        except SQLAlchemyError as e:
            raise _failed(what, e, written=True) from None
        return self.get(qid)

    @staticmethod
    def _free_id(conn: Connection) -> str:
        """A quote ID not yet used (inserts are serialised, so it stays free until this one commits)."""
        for _ in range(8):
            qid = new_id()
            if conn.execute(select(quotes.c.id).where(quotes.c.id == qid)).first() is None:
                return qid
        raise StorageError("Saving the quote failed: no free quote ID could be drawn. Nothing was saved; try again.")

    def _has_correction(self, qid: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(quotes.c.id).where(quotes.c.replaces_id == qid)).first() is not None

    # -- reading -------------------------------------------------------------------------------
    def get(self, qid: str) -> Saved:
        """The record ``qid`` (any case); KeyError if there is none."""
        qid = qid.strip().upper()
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(quotes).where(quotes.c.id == qid)).mappings().first()
        except SQLAlchemyError as e:
            raise _failed(f"Reading quote {qid}", e) from None
        if row is None:
            raise KeyError(f"no saved quote {qid}")
        return _saved(row)

    def history(self, qid: str) -> list[Saved]:
        """Every version of the quote ``qid`` belongs to, oldest first."""
        root = self.get(qid).root_id
        return self._select(select(quotes).where(quotes.c.root_id == root).order_by(quotes.c.version),
                            f"Reading the history of quote {root}")

    def latest(self, qid: str) -> Saved:
        return self.history(qid)[-1]

    def search(self, text_query: str = "", start: date | None = None, end: date | None = None,
               limit: int | None = 500) -> list[Saved]:
        """Records by ID or patient name/reference (part of it) and by date saved (inclusive), newest
        first; at most ``limit`` (None: all)."""
        q = select(quotes)
        t = text_query.strip()
        if t:
            like = f"%{t.lower()}%"
            q = q.where(or_(quotes.c.id == t.upper(), quotes.c.patient_name_key.like(like),
                            func.lower(quotes.c.patient_ref).like(like)))
        q = _between(q, start, end).order_by(quotes.c.created_at.desc(), quotes.c.id)
        return self._select(q if limit is None else q.limit(limit), "Searching the quote log")

    def records(self, start: date | None = None, end: date | None = None) -> list[Saved]:
        """Every record saved from ``start`` to ``end`` (UTC days, inclusive; None: open), in the order saved."""
        return self._select(_between(select(quotes), start, end).order_by(quotes.c.seq), "Reading the quote log")

    def _select(self, query, what: str) -> list[Saved]:  # noqa: ANN001
        try:
            with self.engine.connect() as conn:
                return [_saved(r) for r in conn.execute(query).mappings()]
        except SQLAlchemyError as e:
            raise _failed(what, e) from None

    def count(self) -> int:
        try:
            with self.engine.connect() as conn:
                return conn.execute(select(func.count()).select_from(quotes)).scalar_one()
        except SQLAlchemyError as e:
            raise _failed("Counting the quote log", e) from None

    # -- clinic prices -------------------------------------------------------------------------
    def save_price_set(self, csv_text: str, created_by: str) -> int:
        """Append a clinic price list (CSV text) to its chain; its number."""
        try:
            with self._writer.begin() as conn:
                log_schema.lock_for_writing(conn)
                last, prev_hash = _chain_end(conn, price_sets, price_sets.c.id)
                row = {"id": last + 1, "prev_hash": prev_hash, "created_at": datetime.now(UTC),
                       "created_by": created_by, "csv_text": csv_text}
                row["record_hash"] = price_set_hash(row)
                conn.execute(insert(price_sets).values(**row))
                return last + 1
        except SQLAlchemyError as e:
            raise _failed("Saving the clinic price list", e, written=True) from None

    def latest_price_set(self) -> tuple[int, datetime, str] | None:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(price_sets).order_by(price_sets.c.id.desc()).limit(1)).first()
        except SQLAlchemyError as e:
            raise _failed("Reading the clinic price list", e) from None
        return (row.id, row.created_at, row.csv_text) if row else None

    # -- integrity -----------------------------------------------------------------------------
    def verify(self) -> Verified:
        """Recompute both hash chains, oldest record first; the first record that fails, if any.

        A record fails when its content does not match its hash (it was altered), when its
        ``prev_hash`` is not the hash of the record before it, or when its place in the chain does
        not follow the one before (a record was removed). Removing the newest records leaves a
        shorter chain that verifies: compare ``Verified.head`` with one noted earlier to see that.
        """
        try:
            with self.engine.connect() as conn:
                n_quotes, head, problem = _walk(conn, "quotes", quotes, quotes.c.seq, "seq", quote_hash)
                n_sets, _, set_problem = _walk(conn, "clinic_price_sets", price_sets, price_sets.c.id, "id",
                                               price_set_hash)
        except SQLAlchemyError as e:
            raise _failed("Verifying the quote log", e) from None
        return Verified(n_quotes, n_sets, head, problem or set_problem)


def _chain_end(conn: Connection, table: Table, place) -> tuple[int, str]:  # noqa: ANN001
    """The last record's place and hash (0 and GENESIS for an empty chain)."""
    row = conn.execute(select(place, table.c.record_hash).order_by(place.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (int(row[0]), row[1])


def _walk(conn: Connection, chain: str, table: Table, place, place_name: str,  # noqa: ANN001
          hasher) -> tuple[int, str, ChainProblem | None]:  # noqa: ANN001
    """Check one chain in order; (records checked, the last hash, the first problem or None)."""
    def name(row) -> str:  # noqa: ANN001
        return row["id"] if chain == "quotes" else f"#{row['id']}"

    loose = conn.execute(select(table).where(place.is_(None) | table.c.record_hash.is_(None)
                                             | table.c.prev_hash.is_(None)).limit(1)).mappings().first()
    if loose is not None:
        return 0, GENESIS, ChainProblem(chain, name(loose), loose[place_name],
                                        "has no place or hash in the chain: it was not written by the quote log")
    expected_place, prev, n = 1, GENESIS, 0
    rows = conn.execution_options(yield_per=500).execute(select(table).order_by(place)).mappings()
    for row in rows:
        at = row[place_name]
        if at != expected_place:
            missing = f"#{expected_place}" if at == expected_place + 1 else f"#{expected_place} to #{at - 1}"
            return n, prev, ChainProblem(chain, name(row), at, f"the chain is broken: {missing} before it is "
                                                               "missing (a record was removed)")
        if row["prev_hash"] != prev:
            return n, prev, ChainProblem(chain, name(row), at, "its previous hash does not match the record "
                                                               "before it (a record before it was altered or "
                                                               "replaced)")
        if hasher(row) != row["record_hash"]:
            return n, prev, ChainProblem(chain, name(row), at, "content does not match its hash")
        prev, expected_place, n = row["record_hash"], expected_place + 1, n + 1
    return n, prev, None


def _between(q, start: date | None, end: date | None):  # noqa: ANN001, ANN202
    if start:
        q = q.where(quotes.c.created_at >= datetime.combine(start, datetime.min.time(), UTC))
    if end:
        q = q.where(quotes.c.created_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC))
    return q


def _saved(row) -> Saved:  # noqa: ANN001
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=UTC)
    return Saved(id=row["id"], version=row["version"], root_id=row["root_id"], replaces_id=row["replaces_id"],
                 created_at=created, created_by=row["created_by"], kind=row["kind"],
                 patient_name=row["patient_name"], patient_dob=row["patient_dob"], patient_ref=row["patient_ref"],
                 data_version=row["data_version"], inputs=row["inputs"], outputs=row["outputs"], note=row["note"],
                 seq=row["seq"], prev_hash=row["prev_hash"], record_hash=row["record_hash"])


def export_csv(records: list[Saved]) -> str:
    """The records as CSV, one row each (``QuoteRecord.export_row``), written by ``estimator.common.safe_csv``."""
    return write_rows(EXPORT_COLUMNS, (QuoteRecord(r).export_row() for r in records))
