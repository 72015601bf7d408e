"""The quote log's hash chain: the canonical form of a record and its SHA-256.

Every record of the quote log (and every saved clinic price list, in a chain of its own) carries
``prev_hash``, the ``record_hash`` of the record before it (``GENESIS`` for the first), and its own
``record_hash``: the SHA-256, in lower-case hex, of the canonical serialisation of its content
together with ``prev_hash``. Changing, removing or reordering any stored record therefore breaks
the chain from that record on, which ``python -m estimator log verify`` reports.

The canonical serialisation (spelled out so another program can recompute it):

- a JSON object holding ``chain`` (the chain's name, e.g. ``estimator.quotes.v1``) and every column
  listed in ``QUOTE_COLUMNS`` / ``PRICE_SET_COLUMNS``, under the column's name;
- times as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, dates as ``YYYY-MM-DD``, absent values as ``null``;
- ``json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=True)``: keys sorted at every
  level, no whitespace, every non-ASCII character escaped as ``\\uXXXX``; numbers as Python writes
  them (shortest repr that reads back exactly);
- the SHA-256 of that text's ASCII bytes.

No Streamlit, no database here: these are pure functions of a record's values.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

#: The ``prev_hash`` of the first record of a chain.
GENESIS = "0" * 64
QUOTE_CHAIN = "estimator.quotes.v1"
PRICE_SET_CHAIN = "estimator.clinic_price_sets.v1"

#: The columns of a quote record that its hash covers: every column but ``record_hash``.
QUOTE_COLUMNS = ("seq", "prev_hash", "id", "version", "root_id", "replaces_id", "created_at", "created_by", "kind",
                 "patient_name", "patient_name_key", "patient_dob", "patient_ref", "data_version", "inputs",
                 "outputs", "note")
#: The columns of a saved clinic price list that its hash covers: every column but ``record_hash``.
PRICE_SET_COLUMNS = ("id", "prev_hash", "created_at", "created_by", "csv_text")


def canonical_json(value: object) -> str:
    """``value`` as canonical JSON text (sorted keys, no spaces, ASCII only)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def as_stored(value: object) -> object:
    """A JSON value as it reads back from the database (tuples as lists, keys as text)."""
    return json.loads(canonical_json(value))


def utc_text(moment: datetime) -> str:
    """A time as UTC ISO text with microseconds; a naive time (SQLite gives those) is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_hash(chain: str, columns: tuple[str, ...], row: Mapping[str, object]) -> str:
    """The SHA-256 (hex) of ``row``'s ``columns`` in canonical form, within ``chain``."""
    content = {"chain": chain, **{c: _plain(row[c]) for c in columns}}
    return hashlib.sha256(canonical_json(content).encode("ascii")).hexdigest()


def quote_hash(row: Mapping[str, object]) -> str:
    """The ``record_hash`` a quote record (its ``QUOTE_COLUMNS``, including ``prev_hash``) must carry."""
    return record_hash(QUOTE_CHAIN, QUOTE_COLUMNS, row)


def price_set_hash(row: Mapping[str, object]) -> str:
    """The ``record_hash`` a saved clinic price list must carry."""
    return record_hash(PRICE_SET_CHAIN, PRICE_SET_COLUMNS, row)
