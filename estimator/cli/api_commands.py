"""The HTTP API on the command line: ``serve`` and ``api-token create|list|revoke``.

``serve`` runs the API (``estimator.api.app``) under uvicorn, on 127.0.0.1 unless told otherwise,
with uvicorn's access log off: the API writes its own (method, path, status, time; never a query
string, a header or a body, so never patient data or a token).
"""

from __future__ import annotations

import argparse
import sys

from estimator.common.errors import fail
from estimator.records.api_tokens import TokenStore

MAX_WORKERS = 32

#: The server's log: one line per request from ``estimator.api``, uvicorn's start-up and errors.
LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"estimator.api": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False}},
}


def _whole(field: str, text: str, low: int, high: int) -> int:
    if not text.strip().isdigit() or not low <= int(text) <= high:
        raise fail(field, f"'{text[:20]}' is not allowed: a whole number from {low} to {high}")
    return int(text)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the HTTP API (OpenAPI at /openapi.json)."""
    import uvicorn

    port = _whole("port", args.port, 1, 65535)
    workers = _whole("workers", args.workers, 1, MAX_WORKERS)
    if not args.host.strip():
        raise fail("host", "is empty: give an address to listen on, e.g. 127.0.0.1 (this computer only) or 0.0.0.0")
    uvicorn.run("estimator.api.app:create_app", factory=True, host=args.host.strip(), port=port, workers=workers,
                access_log=False, log_config=LOGGING, server_header=False)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Make an API token; it is printed once and only its hash is kept."""
    token, secret = TokenStore().create(args.name)
    print(secret)
    print(f"token {token.id} '{token.name}' made: keep it now, it is not shown again "
          "(send it as Authorization: Bearer <token>)", flush=True, file=sys.stderr)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """The API tokens: number, name, when made, and when revoked (never the tokens themselves)."""
    tokens = TokenStore().list()
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M} UTC" if t.revoked_at else "active"
        print(f"{t.id}\t{t.name}\tmade {t.created_at:%Y-%m-%d %H:%M} UTC\t{state}")
    if not tokens:
        print("no API tokens", file=sys.stderr)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke an API token (by its name or number): requests carrying it get 401 from then on."""
    for t in TokenStore().revoke(args.token):
        print(f"revoked token {t.id} '{t.name}'")
    return 0


def add_api_commands(sub: argparse._SubParsersAction, parser_class: type) -> None:
    """The ``serve`` and ``api-token`` commands."""
    s = sub.add_parser("serve", help=cmd_serve.__doc__)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    s.add_argument("--port", default="8000", help="port (default 8000)")
    s.add_argument("--workers", default="1", help=f"worker processes, 1 to {MAX_WORKERS} (default 1)")
    s.set_defaults(func=cmd_serve)
    t = sub.add_parser("api-token", help="the HTTP API's bearer tokens (stored as hashes in the quote log)")
    tsub = t.add_subparsers(dest="token_command", parser_class=parser_class)
    c = tsub.add_parser("create", help=cmd_token_create.__doc__)
    c.add_argument("--name", required=True, help="who holds the token, e.g. clinic-ehr")
    c.set_defaults(func=cmd_token_create)
    tsub.add_parser("list", help=cmd_token_list.__doc__).set_defaults(func=cmd_token_list)
    r = tsub.add_parser("revoke", help=cmd_token_revoke.__doc__)
    r.add_argument("token", help="the token's name or number, as `api-token list` shows it")
    r.set_defaults(func=cmd_token_revoke)
