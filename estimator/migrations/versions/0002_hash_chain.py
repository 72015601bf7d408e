"""Hash chain: every quote record and saved price list carries prev_hash and record_hash.

Adds ``seq`` (the record's place in the chain, 1, 2, ...), ``prev_hash`` and ``record_hash`` to
``quotes``, and ``prev_hash`` and ``record_hash`` to ``clinic_price_sets`` (whose ``id`` is its
place). Records already saved are chained here, oldest first (quotes by time saved, then ID; price
lists by ID), so a database from before this revision verifies from the day it was upgraded.

The immutability triggers of revision 0001's era are dropped for the backfill; ``log init``
installs the current ones after every upgrade (``estimator.records.log_schema.install_guards``).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from estimator.records.log_chain import GENESIS, price_set_hash, quote_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OLD_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS {t}_no_update", "DROP TRIGGER IF EXISTS {t}_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS {t}_immutable ON {t}"],
}


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for table in ("quotes", "clinic_price_sets"):
        for stmt in _OLD_TRIGGERS.get(dialect, []):
            op.execute(stmt.format(t=table))
    op.add_column("quotes", sa.Column("seq", sa.Integer))
    for table in ("quotes", "clinic_price_sets"):
        op.add_column(table, sa.Column("prev_hash", sa.String(64)))
        op.add_column(table, sa.Column("record_hash", sa.String(64)))

    quotes = sa.table("quotes", *(sa.column(c) for c in (
        "seq", "prev_hash", "record_hash", "id", "version", "root_id", "replaces_id", "created_by", "kind",
        "patient_name", "patient_name_key", "patient_ref", "data_version", "note")),
        sa.column("inputs", sa.JSON), sa.column("outputs", sa.JSON), sa.column("created_at", sa.DateTime(True)),
        sa.column("patient_dob", sa.Date))
    prev = GENESIS
    rows = conn.execute(sa.select(quotes).order_by(quotes.c.created_at, quotes.c.id)).mappings().all()
    for seq, row in enumerate(rows, 1):
        row = {**row, "seq": seq, "prev_hash": prev}
        prev = quote_hash(row)
        conn.execute(sa.update(quotes).where(quotes.c.id == row["id"])
                     .values(seq=seq, prev_hash=row["prev_hash"], record_hash=prev))

    sets = sa.table("clinic_price_sets", sa.column("id"), sa.column("prev_hash"), sa.column("record_hash"),
                    sa.column("created_at", sa.DateTime(True)), sa.column("created_by"), sa.column("csv_text"))
    prev = GENESIS
    for row in conn.execute(sa.select(sets).order_by(sets.c.id)).mappings().all():
        row = {**row, "prev_hash": prev}
        prev = price_set_hash(row)
        conn.execute(sa.update(sets).where(sets.c.id == row["id"]).values(prev_hash=row["prev_hash"],
                                                                          record_hash=prev))

    op.create_index("ix_quotes_seq", "quotes", ["seq"], unique=True)
    if dialect == "postgresql":  # SQLite cannot add NOT NULL to a column; its insert trigger refuses NULLs
        for table, cols in (("quotes", ("seq", "prev_hash", "record_hash")),
                            ("clinic_price_sets", ("prev_hash", "record_hash"))):
            for col in cols:
                op.alter_column(table, col, nullable=False)
