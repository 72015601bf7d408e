"""The quote log's database: connecting, the write lock, the schema (Alembic) and its guards.

- :func:`make_engine` connects without ever putting query parameters in an error message
  (``hide_parameters``); on SQLite it runs every transaction from an explicit ``BEGIN`` so that
  writers can take the database's write lock up front (``BEGIN IMMEDIATE``, see :func:`writing`).
- :func:`lock_for_writing` serialises every insert (and the schema's creation): SQLite through
  ``BEGIN IMMEDIATE``, PostgreSQL through ``pg_advisory_xact_lock`` on a key of the schema's name,
  which needs no privilege on any table. Inside the lock a writer reads the chain's last hash and
  appends, so concurrent writers (threads or processes) never fork the chain.
- :func:`init_schema` creates or upgrades the tables under that lock (the migrations are in
  ``estimator/migrations``), then installs the guards: triggers that refuse UPDATE, DELETE,
  TRUNCATE, ``INSERT OR REPLACE`` over a record and unchained inserts, and, on PostgreSQL, the
  grants of an application role that may only SELECT and INSERT (the API's tokens: only SELECT).
  Safe to run from several processes at once, and again and again.
"""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine

#: The revision this program's code reads and writes.
HEAD = "0003"
#: Alembic's table of the applied revision.
VERSION_TABLE = "quote_log_version"
TABLES = ("quotes", "clinic_price_sets")
#: Tables the application reads but never writes (the API's tokens are made and revoked by the owner).
READ_ONLY_TABLES = ("api_tokens",)
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
#: What a PostgreSQL role name may be when ``log init --app-role`` grants to it.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_BEGIN = "estimator_sqlite_begin"


def make_engine(url: str) -> Engine:
    """An engine for the quote log at ``url`` (errors never carry query parameters)."""
    kwargs: dict = {"hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # transactions start from our own BEGIN (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get(_BEGIN, "DEFERRED"))
    return engine


def writing(engine: Engine) -> Engine:
    """The engine whose transactions take SQLite's write lock at ``BEGIN`` (the same engine elsewhere)."""
    return engine.execution_options(**{_BEGIN: "IMMEDIATE"}) if engine.dialect.name == "sqlite" else engine


def lock_for_writing(conn: Connection) -> None:
    """Hold the quote log's write lock until ``conn``'s transaction ends.

    SQLite: the transaction began with ``BEGIN IMMEDIATE`` (:func:`writing`), which already holds it.
    PostgreSQL: a transaction-level advisory lock keyed on the current schema's name.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('estimator.quote_log:' "
                          "|| current_schema(), 0))"))


def current_revision(conn: Connection) -> str | None:
    """The applied revision, or None for a database without the quote log's tables."""
    names = set(inspect(conn).get_table_names())
    if VERSION_TABLE in names:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    return "0001" if "quotes" in names else None  # made before migrations existed: revision 0001's tables


def is_current(engine: Engine) -> bool:
    """Whether the database holds this program's revision of the tables."""
    with engine.connect() as conn:
        return current_revision(conn) == HEAD


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    cfg.attributes["version_table"] = VERSION_TABLE
    return cfg


def init_schema(engine: Engine, app_role: str | None = None, revision: str = HEAD) -> str:
    """Create or upgrade the quote log's tables and install the guards; return the revision.

    Runs in one transaction holding the write lock, so processes starting together wait for one
    another and all succeed. ``app_role`` (PostgreSQL) is granted SELECT and INSERT only.
    ``revision``: upgrade only this far (to test the migrations on older databases); the guards
    belong to ``HEAD`` and are installed only there. Raises ValueError for an ``app_role`` that is
    not a plain role name, or one given on SQLite.
    """
    if app_role is not None and (engine.dialect.name != "postgresql" or not ROLE_NAME.fullmatch(app_role)):
        raise ValueError("app_role: a PostgreSQL role name (lower-case letters, digits, _), only with PostgreSQL")
    with writing(engine).begin() as conn:
        lock_for_writing(conn)
        found = current_revision(conn)
        cfg = _config(conn)
        if found == "0001" and not inspect(conn).has_table(VERSION_TABLE):
            command.stamp(cfg, "0001")
        if found != revision:
            command.upgrade(cfg, revision)
        if revision == HEAD:
            install_guards(conn)
        if app_role:
            grant_app_role(conn, app_role)
    return revision


_SQLITE_GUARDS = [
    "CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
    "BEGIN SELECT RAISE(ABORT, '{t} records are never edited: save a correction'); END",
    "CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
    "BEGIN SELECT RAISE(ABORT, '{t} records are kept: they cannot be deleted'); END",
    # INSERT OR REPLACE deletes the old row without firing delete triggers: refuse it before it starts.
    "CREATE TRIGGER IF NOT EXISTS {t}_no_replace BEFORE INSERT ON {t} "
    "WHEN EXISTS (SELECT 1 FROM {t} WHERE id = NEW.id) "
    "BEGIN SELECT RAISE(ABORT, '{t} records are never replaced: save a correction'); END",
    "CREATE TRIGGER IF NOT EXISTS {t}_chained BEFORE INSERT ON {t} "
    "WHEN NEW.record_hash IS NULL OR NEW.prev_hash IS NULL{extra} "
    "BEGIN SELECT RAISE(ABORT, '{t} records are written by the quote log, with their hashes'); END",
]
_POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION estimator_refuse_change() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION '% records are never edited or deleted', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS {t}_immutable ON {t}",
    "CREATE TRIGGER {t}_immutable BEFORE UPDATE OR DELETE ON {t} "
    "FOR EACH ROW EXECUTE FUNCTION estimator_refuse_change()",
    "DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}",
    "CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
    "FOR EACH STATEMENT EXECUTE FUNCTION estimator_refuse_change()",
    "REVOKE ALL ON {t} FROM PUBLIC",
]


def install_guards(conn: Connection) -> None:
    """The triggers (and, on PostgreSQL, revoked public rights) that keep records as written."""
    dialect = conn.dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            extra = " OR NEW.seq IS NULL" if table == "quotes" else ""
            for stmt in _SQLITE_GUARDS:
                conn.execute(text(stmt.format(t=table, extra=extra)))
        elif dialect == "postgresql":
            for stmt in _POSTGRES_GUARDS:
                conn.execute(text(stmt.format(t=table)))


def grant_app_role(conn: Connection, role: str) -> None:
    """Let ``role`` read and append to the quote log, and nothing else (PostgreSQL)."""
    quote = conn.dialect.identifier_preparer.quote
    r = quote(role)
    schema = quote(conn.execute(text("SELECT current_schema()")).scalar_one())
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {r}")
    for table in TABLES:
        conn.exec_driver_sql(f"REVOKE ALL ON {table} FROM {r}")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT ON {table} TO {r}")
    for table in (VERSION_TABLE, *READ_ONLY_TABLES):
        conn.exec_driver_sql(f"REVOKE ALL ON {table} FROM {r}")
        conn.exec_driver_sql(f"GRANT SELECT ON {table} TO {r}")
    conn.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {r}")
