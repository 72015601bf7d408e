"""The HTTP API's bearer tokens, kept in the quote log's database (table ``api_tokens``).

A token is 43 URL-safe characters of ``secrets.token_urlsafe(32)`` (256 random bits) after the
prefix ``est_``. It is printed once, when made; the database keeps only its SHA-256, so a copy of
the database cannot be used to call the API. A random 256-bit secret needs no slow password hash:
finding a token from its SHA-256 is as hard as guessing the token. ``python -m estimator api-token
create|list|revoke`` manages them (as the database's owner on PostgreSQL; the application's role may
only read them).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from estimator.common.errors import fail
from estimator.records.storage import QuoteLog, StorageError

PREFIX = "est_"
#: What a token's name may be: a short label for the system or person that holds it.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@-]{0,79}")
_TOKEN = re.compile(r"est_[A-Za-z0-9_-]{43}")

api_tokens = Table(
    "api_tokens", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)


@dataclass(frozen=True)
class ApiToken:
    """A token as stored: never the token itself."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_hash(token: str) -> str:
    """The stored form of a token: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _row(r) -> ApiToken:  # noqa: ANN001
    return ApiToken(r.id, r.name, _utc(r.created_at), _utc(r.revoked_at))


class TokenStore:
    """Make, list, revoke and check tokens in the quote log's database (``QuoteLog``'s engine)."""

    def __init__(self, log: QuoteLog | None = None):
        self.log = log or QuoteLog()

    def create(self, name: str) -> tuple[ApiToken, str]:
        """A new token named ``name``; returns it and the token text (shown once, never stored).

        Raises InputError naming ``name`` when it is not a short label, or when an active token
        already has that name (revoke it first, or pick another).
        """
        name = (name or "").strip()
        if not NAME.fullmatch(name):
            raise fail("name", "give a short label for who holds the token: 1 to 80 letters, digits, spaces or "
                               "._@-, starting with a letter or digit (e.g. 'clinic-ehr')")
        if any(t.name == name and t.active for t in self.list()):
            raise fail("name", f"an active token is already named '{name}': revoke it first, or choose another name")
        token = PREFIX + secrets.token_urlsafe(32)
        try:
            with self.log.engine.begin() as conn:
                new_id = conn.execute(insert(api_tokens).values(
                    name=name, token_hash=token_hash(token), created_at=datetime.now(UTC))).inserted_primary_key[0]
        except SQLAlchemyError as e:
            raise StorageError(f"Making the API token failed: the quote log's database could not be written "
                               f"({type(e).__name__}). Run this as the database's owner.") from None
        return self.get(new_id), token

    def list(self) -> list[ApiToken]:
        """Every token, oldest first."""
        try:
            with self.log.engine.connect() as conn:
                return [_row(r) for r in conn.execute(select(api_tokens).order_by(api_tokens.c.id))]
        except SQLAlchemyError as e:
            raise StorageError(f"Reading the API tokens failed ({type(e).__name__}).") from None

    def get(self, token_id: int) -> ApiToken:
        """The token numbered ``token_id``; KeyError if there is none."""
        try:
            with self.log.engine.connect() as conn:
                r = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        except SQLAlchemyError as e:
            raise StorageError(f"Reading the API tokens failed ({type(e).__name__}).") from None
        if r is None:
            raise KeyError(token_id)
        return _row(r)

    def revoke(self, which: str) -> list[ApiToken]:
        """Revoke the active token(s) with this name or number; the tokens revoked.

        Raises InputError naming ``token`` when no active token has that name or number.
        """
        which = (which or "").strip()
        hits = [t for t in self.list() if t.active and (t.name == which or str(t.id) == which)]
        if not hits:
            raise fail("token", f"no active API token is named or numbered '{which[:80]}' (see `api-token list`)")
        try:
            with self.log.engine.begin() as conn:
                conn.execute(update(api_tokens).where(api_tokens.c.id.in_([t.id for t in hits]))
                             .values(revoked_at=datetime.now(UTC)))
        except SQLAlchemyError as e:
            raise StorageError(f"Revoking the API token failed ({type(e).__name__}). Run this as the database's "
                               "owner.") from None
        return [self.get(t.id) for t in hits]

    def check(self, token: str | None) -> ApiToken | None:
        """The active token ``token`` is, or None (not one, unknown, or revoked). Raises StorageError
        when the database cannot be read."""
        if not token or not _TOKEN.fullmatch(token):
            return None
        try:
            with self.log.engine.connect() as conn:
                r = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash(token))).first()
        except SQLAlchemyError as e:
            raise StorageError(f"Checking the API token failed: the quote log's database could not be read "
                               f"({type(e).__name__}).") from None
        return _row(r) if r is not None and r.revoked_at is None else None
