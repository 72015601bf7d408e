"""Errors as RFC 9457 problem details (``application/problem+json``), from the project's one error model.

Every error the API returns is one of these, never a traceback:

- 422 input: ``errors`` lists ``{"field", "message"}`` from ``InputError`` (``estimator.common.errors``),
  the same fields and words as the command line (which shows ``--deductible`` where this says
  ``deductible``); a body that is not JSON, or not an object, is named ``body``;
- 401 no valid token, 404 no such path or record, 405 wrong method, 413 body over the limit,
  415 not JSON, 503 the quote log's database failed (its message holds no SQL and no patient details).

``type`` is a relative URI naming the kind of problem (``/problems/invalid-input``), so a client can
branch on it; ``title`` is that kind in words, ``detail`` this occurrence.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.responses import Response

from estimator.common.errors import FieldError

PROBLEM_JSON = "application/problem+json"

#: status -> (type, title)
KINDS: dict[int, tuple[str, str]] = {
    401: ("/problems/unauthorized", "A valid API token is required"),
    404: ("/problems/not-found", "Not found"),
    405: ("/problems/method-not-allowed", "Method not allowed"),
    413: ("/problems/body-too-large", "Request body too large"),
    415: ("/problems/unsupported-media-type", "Unsupported media type"),
    422: ("/problems/invalid-input", "The input cannot be used"),
    500: ("/problems/internal", "Internal error"),
    503: ("/problems/storage-unavailable", "The quote log is unavailable"),
}


def dumps(obj: object) -> bytes:
    """Strict JSON (no NaN or Infinity, which JSON does not have), UTF-8."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def problem(status: int, detail: str, errors: list[FieldError] | None = None, instance: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """An RFC 9457 problem response."""
    kind, title = KINDS.get(status, ("about:blank", HTTPStatus(status).phrase))
    body: dict[str, object] = {"type": kind, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    return Response(dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def invalid(errors: list[FieldError], instance: str | None = None) -> Response:
    """422 for input that cannot be used, naming each field."""
    n = len(errors)
    detail = errors[0].field + ": " + errors[0].message if n == 1 else f"{n} problems with the input: see errors"
    return problem(422, detail, errors, instance)


#: The problem document, for the OpenAPI description.
PROBLEM_SCHEMA: dict = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "the kind of problem, a relative URI"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` entries for these error statuses, each a problem document."""
    ref = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {s: {"description": KINDS[s][1], "content": {PROBLEM_JSON: ref}} for s in statuses}
