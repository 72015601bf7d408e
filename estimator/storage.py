"""The quote log: every saved quote, kept as first given, in SQLite or PostgreSQL (SQLAlchemy).

- A record holds the quote's inputs, its outputs (the full JSON, as shown to the patient, stamped
  with a ``schema_version``), the data version it was priced with, who saved it and when, and the
  optional patient details. ``estimator.quote_record.QuoteRecord`` reads a record back.
- Records are never edited in place or deleted: the database itself refuses UPDATE and DELETE
  (triggers), and a correction is a new record that names the one it replaces. Reprinting reads
  the stored outputs, so it shows exactly the numbers first given, whatever the data tables say now.
- Where: $ESTIMATOR_DATABASE_URL (e.g. postgresql+psycopg://user@host/db) if set, else a SQLite
  file at $ESTIMATOR_DB_PATH (default var/quotes.sqlite3).

Nothing here logs patient details.
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
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .quote_record import EXPORT_COLUMNS, QuoteRecord, stamp
from .safe_csv import write_rows

DEFAULT_SQLITE = Path(__file__).resolve().parents[1] / "var" / "quotes.sqlite3"
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
)
price_sets = Table(
    "clinic_price_sets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("csv_text", Text, nullable=False),
)

_IMMUTABLE = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
        "BEGIN SELECT RAISE(ABORT, '{t} records are never edited: save a correction'); END",
        "CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
        "BEGIN SELECT RAISE(ABORT, '{t} records are kept: they cannot be deleted'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION estimator_refuse_change() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION '% records are never edited or deleted', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS {t}_immutable ON {t}",
        "CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION estimator_refuse_change()",
    ],
}


@dataclass(frozen=True)
class Saved:
    """A stored quote record."""

    id: str
    version: int
    root_id: str
    replaces_id: str | None
    created_at: datetime
    created_by: str
    kind: str
    patient_name: str | None
    patient_dob: date | None
    patient_ref: str | None
    data_version: str
    inputs: dict
    outputs: dict
    note: str | None


def database_url() -> str:
    url = os.environ.get("ESTIMATOR_DATABASE_URL")
    if url:
        return url
    path = Path(os.environ.get("ESTIMATOR_DB_PATH", DEFAULT_SQLITE))
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def new_id() -> str:
    """A quote ID like 'Q7K3M9XPD2' (9 random characters from an unambiguous alphabet)."""
    return "Q" + "".join(secrets.choice(ID_ALPHABET) for _ in range(9))


class QuoteLog:
    """The store. Safe to share between threads (one engine, pooled connections)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        kwargs: dict = {"future": True}
        if self.url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _record):  # noqa: ANN001
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.close()
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            for table in ("quotes", "clinic_price_sets"):
                for stmt in _IMMUTABLE.get(self.engine.dialect.name, []):
                    conn.execute(text(stmt.format(t=table)))

    # -- writing -------------------------------------------------------------------------------
    def save(self, inputs: dict, outputs: dict, created_by: str, *, kind: str = "quote",
             patient_name: str | None = None, patient_dob: date | None = None, patient_ref: str | None = None,
             replaces: str | None = None, note: str | None = None) -> Saved:
        """Store a new record (a correction when ``replaces`` names an earlier one) and return it.

        ``outputs`` is stored with the current ``schema_version`` (``estimator.quote_record``).
        """
        if not created_by or not created_by.strip():
            raise ValueError("created_by: who is saving the quote is required")
        for _ in range(8):
            qid = new_id()
            now = datetime.now(UTC)
            with self.engine.begin() as conn:
                version, root = 1, qid
                if replaces:
                    prev = conn.execute(select(quotes.c.version, quotes.c.root_id)
                                        .where(quotes.c.id == replaces)).first()
                    if prev is None:
                        raise KeyError(f"replaces: no saved quote {replaces}")
                    version, root = prev.version + 1, prev.root_id
                row = {"id": qid, "version": version, "root_id": root, "replaces_id": replaces,
                       "created_at": now, "created_by": created_by.strip()[:120], "kind": kind,
                       "patient_name": patient_name or None,
                       "patient_name_key": (patient_name or "").strip().lower() or None,
                       "patient_dob": patient_dob, "patient_ref": patient_ref or None,
                       "data_version": outputs.get("data_version", ""), "inputs": inputs, "outputs": stamp(outputs),
                       "note": note}
                try:
                    conn.execute(insert(quotes).values(**row))
                except IntegrityError:
                    if replaces and self._has_correction(replaces):
                        raise ValueError(f"replaces: quote {replaces} has already been corrected; "
                                         "correct its latest version") from None
                    continue  # an ID collision: draw another
            return self.get(qid)
        raise RuntimeError("could not allocate a quote ID")

    def _has_correction(self, qid: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(quotes.c.id).where(quotes.c.replaces_id == qid)).first() is not None

    # -- reading -------------------------------------------------------------------------------
    def get(self, qid: str) -> Saved:
        with self.engine.connect() as conn:
            row = conn.execute(select(quotes).where(quotes.c.id == qid.strip().upper())).mappings().first()
        if row is None:
            raise KeyError(f"no saved quote {qid}")
        return _saved(row)

    def history(self, qid: str) -> list[Saved]:
        """Every version of the quote ``qid`` belongs to, oldest first."""
        root = self.get(qid).root_id
        with self.engine.connect() as conn:
            rows = conn.execute(select(quotes).where(quotes.c.root_id == root).order_by(quotes.c.version))
            return [_saved(r) for r in rows.mappings()]

    def latest(self, qid: str) -> Saved:
        return self.history(qid)[-1]

    def search(self, text_query: str = "", start: date | None = None, end: date | None = None,
               limit: int = 500) -> list[Saved]:
        """Records by ID or patient name/reference (part of it) and by date saved (inclusive), newest first."""
        q = select(quotes)
        t = text_query.strip()
        if t:
            like = f"%{t.lower()}%"
            q = q.where(or_(quotes.c.id == t.upper(), quotes.c.patient_name_key.like(like),
                            func.lower(quotes.c.patient_ref).like(like)))
        if start:
            q = q.where(quotes.c.created_at >= datetime.combine(start, datetime.min.time(), UTC))
        if end:
            q = q.where(quotes.c.created_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC))
        q = q.order_by(quotes.c.created_at.desc(), quotes.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [_saved(r) for r in conn.execute(q).mappings()]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(quotes)).scalar_one()

    # -- clinic prices -------------------------------------------------------------------------
    def save_price_set(self, csv_text: str, created_by: str) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(insert(price_sets).values(created_at=datetime.now(UTC), created_by=created_by,
                                                         csv_text=csv_text))
            return int(res.inserted_primary_key[0])

    def latest_price_set(self) -> tuple[int, datetime, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(price_sets).order_by(price_sets.c.id.desc()).limit(1)).first()
        return (row.id, row.created_at, row.csv_text) if row else None


def _saved(row) -> Saved:  # noqa: ANN001
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite returns naive datetimes
        created = created.replace(tzinfo=UTC)
    return Saved(id=row["id"], version=row["version"], root_id=row["root_id"], replaces_id=row["replaces_id"],
                 created_at=created, created_by=row["created_by"], kind=row["kind"],
                 patient_name=row["patient_name"], patient_dob=row["patient_dob"], patient_ref=row["patient_ref"],
                 data_version=row["data_version"], inputs=row["inputs"], outputs=row["outputs"], note=row["note"])


def export_csv(records: list[Saved]) -> str:
    """The records as CSV, one row each (``QuoteRecord.export_row``), written by ``estimator.safe_csv``."""
    return write_rows(EXPORT_COLUMNS, (QuoteRecord(r).export_row() for r in records))
