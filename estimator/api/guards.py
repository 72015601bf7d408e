"""What every request passes through: the body-size limit and the access log (pure ASGI middleware).

- :class:`BodyLimit` refuses a body over the limit of its path with 413, from its Content-Length
  before reading a byte, or as soon as a streamed body passes the limit.
- :class:`AccessLog` writes one line per request to the ``estimator.api`` logger: method, path,
  status and milliseconds. Never the query string, a header or the body, which can hold a patient's
  details or a token: no log line holds patient data. It also answers an error nothing else
  handled with a 500 problem, logging only its type and the line it came from (a traceback or an
  exception's text can quote the request).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from estimator.api.problems import problem

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("estimator.api")


class BodyTooLarge(Exception):
    """The request body is longer than ``limit`` bytes."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class BodyLimit:
    """Refuse request bodies over ``limit_for(path)`` bytes with :class:`BodyTooLarge` (413)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_long = declared is not None and declared.isdigit() and int(declared) > limit
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if too_long:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)


class AccessLog:
    """One log line per request (method, path without its query string, status, milliseconds); and the
    last resort: an error nothing else handled becomes a 500 problem, logged by type and line only."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status = time.perf_counter(), 0

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        except Exception as e:  # noqa: BLE001 - every error must leave as a problem, never a traceback
            where = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
            log.error("unexpected %s at %s:%s", type(e).__name__, where.filename if where else "?",
                      where.lineno if where else "?")
            if not status:
                await problem(500, "the server could not answer this request; it was logged without its details",
                              instance=scope.get("path"))(scope, receive, noting)
        finally:
            log.info("%s %s %d %.1fms", scope.get("method", "?"), scope.get("path", "?"), status,
                     (time.perf_counter() - start) * 1000)
