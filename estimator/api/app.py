"""The HTTP API's application: its routes, its error handlers and its OpenAPI description.

``create_app()`` is the ASGI application uvicorn serves (``python -m estimator serve``). Every
error leaves as an RFC 9457 problem (``estimator.api.problems``); an error the code did not expect
is a 500 problem whose log line names only its type and where it happened (``guards.AccessLog``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException
from starlette.responses import Response

from estimator.api import public, staff
from estimator.api.bodies import UnsupportedMediaType
from estimator.api.guards import AccessLog, BodyLimit, BodyTooLarge
from estimator.api.problems import PROBLEM_SCHEMA, invalid, problem
from estimator.common.errors import FieldError, InputError
from estimator.records.storage import StorageError

#: Body limits, bytes: a batch may be large, anything else is one scenario or one case.
BATCH_LIMIT = 4_000_000
BODY_LIMIT = 256_000
VERSION = "1.0.0"


def body_limit(path: str) -> int:
    return BATCH_LIMIT if path == "/v1/quotes" else BODY_LIMIT


def _field(loc: tuple) -> str:
    """A validation error's location as a field name: ('query', 'save') -> 'save'."""
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "request"


def create_app() -> FastAPI:
    app = FastAPI(title="Epidural injection cost estimator", version=VERSION, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="Out-of-pocket estimates for epidural steroid injections (CPT 62320-62323) from "
                              "Medicare's fee schedules, hospitals' published prices and the patient's plan "
                              "benefits. An estimate is not a bill, and nothing here is medical advice.")
    app.include_router(public.router)
    app.include_router(staff.router)

    @app.exception_handler(InputError)
    async def _input(request: Request, e: InputError) -> Response:
        return invalid(e.errors, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, e: RequestValidationError) -> Response:
        return invalid([FieldError(_field(tuple(x.get("loc", ()))),
                                   "is required" if x.get("type") == "missing" else x.get("msg", "is not allowed"))
                        for x in e.errors()], request.url.path)

    @app.exception_handler(UnsupportedMediaType)
    async def _media(request: Request, e: UnsupportedMediaType) -> Response:
        got = f"'{e.media[:60]}'" if e.media else "no Content-Type"
        return problem(415, f"send the body as JSON (Content-Type: application/json), not {got}",
                       instance=request.url.path)

    @app.exception_handler(BodyTooLarge)
    async def _large(request: Request, e: BodyTooLarge) -> Response:
        return problem(413, f"the body is over {e.limit:,} bytes, this endpoint's limit", instance=request.url.path)

    @app.exception_handler(staff.Unauthorized)
    async def _unauthorized(request: Request, e: staff.Unauthorized) -> Response:
        return problem(401, str(e), instance=request.url.path, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(LookupError)
    async def _missing(request: Request, e: LookupError) -> Response:
        return problem(404, str(e), instance=request.url.path)

    @app.exception_handler(StorageError)
    async def _storage(request: Request, e: StorageError) -> Response:
        return problem(503, str(e), instance=request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException) -> Response:
        detail = {404: f"no endpoint at {request.url.path[:80]} (see /openapi.json)",
                  405: f"{request.method} is not allowed here"}.get(e.status_code, str(e.detail))
        return problem(e.status_code, detail, instance=request.url.path, headers=getattr(e, "headers", None))

    def openapi() -> dict:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            comps = spec.setdefault("components", {})
            comps.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            comps["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer",
                                                   "description": "python -m estimator api-token create"}}
            for schema_name in ("HTTPValidationError", "ValidationError"):
                comps["schemas"].pop(schema_name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi
    app.add_middleware(BodyLimit, limit_for=body_limit)
    app.add_middleware(AccessLog)
    return app
