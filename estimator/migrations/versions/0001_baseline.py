"""The quote log as first shipped: saved quotes and clinic price lists.

Databases made before migrations existed hold exactly these tables; ``log init`` stamps them with
this revision and upgrades them from here.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("root_id", sa.String(16), nullable=False, index=True),
        sa.Column("replaces_id", sa.String(16), sa.ForeignKey("quotes.id"), unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("patient_name", sa.String(200)),
        sa.Column("patient_name_key", sa.String(200), index=True),
        sa.Column("patient_dob", sa.Date),
        sa.Column("patient_ref", sa.String(64)),
        sa.Column("data_version", sa.String(32), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "clinic_price_sets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("csv_text", sa.Text, nullable=False),
    )
