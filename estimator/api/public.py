"""The public endpoints (no token): health, the fields, one quote, a batch, a series, hospitals near a ZIP.

Each prices through the same engine and field registry as the command line and the pages, so
``POST /v1/quote`` answers exactly what ``python -m estimator quote --json`` prints for the same
inputs. Saving a quote (``?save=true``) is the one staff action here; it needs a token
(``estimator.api.staff``).
"""

from __future__ import annotations

import math

from fastapi import APIRouter, Query, Request

from estimator.api import schema, staff
from estimator.api.bodies import json_object, language, scenario_values
from estimator.api.problems import responses
from estimator.api.replies import StrictJSON, in_language
from estimator.common.errors import FieldError, InputError, fail
from estimator.common.i18n import N_
from estimator.frontdesk.save_request import SAVE_FIELDS, read_save_request
from estimator.inputs import readers
from estimator.inputs.fields import FieldSpec, read
from estimator.inputs.parsing import scenario_from_strings
from estimator.planning import nearby, series
from estimator.quote import quote
from estimator.reference.tables import load

router = APIRouter(prefix="/v1", default_response_class=StrictJSON)

#: The most scenarios one ``POST /v1/quotes`` may hold.
MAX_ROWS = 1000
LIMIT = FieldSpec("limit", "count", N_("Hospitals listed"), N_("How many hospitals to list, nearest first."),
                  unit="hospitals", low=1, high=50, default=10)
WITHIN = FieldSpec("within_miles", "count", N_("Within (miles)"), N_("List only hospitals this close."),
                   unit="miles", low=1, high=500)
_LANG = Query(None, description="language of the words: en or es (else Accept-Language; default en)")
_JSON = "application/json"


def _body(schema_: dict) -> dict:
    return {"requestBody": {"required": True, "content": {_JSON: {"schema": schema_}}}}


def _ok(schema_: dict, description: str = "OK") -> dict:
    return {200: {"description": description, "content": {_JSON: {"schema": schema_}}}}


@router.get("/health", responses=_ok({"type": "object", "required": ["status", "data_version"]}))
def health() -> dict:
    """Whether the service is up, and the version of the data it prices with."""
    return {"status": "ok", "data_version": load().version}


@router.get("/fields", responses={**_ok(schema.FIELD_LIST_SCHEMA), **responses(422)})
async def fields(request: Request, lang: str | None = _LANG) -> dict:
    """Every scenario field a quote reads: name, kind, unit, label, help, allowed values and their labels,
    in English or Spanish, so a client can build its form."""
    code = language(request)
    return {"language": code, "fields": await in_language(code, schema.field_list)}


def _quote_dict(values: dict) -> dict:
    return quote(scenario_from_strings(values)).to_dict()


@router.post("/quote", openapi_extra=_body(schema.scenario_schema(schema.SAVE_PROPERTIES)),
             responses={**_ok(schema.QUOTE_SCHEMA, "The quote, as `quote --json` prints it"),
                        **responses(401, 413, 415, 422, 503)})
async def post_quote(request: Request, save: bool = Query(False, description="save the quote in the quote log "
                                                                            "(staff: needs a token and `by`)"),
                     lang: str | None = _LANG) -> dict:
    """One quote for one scenario, keyed by the registry's field names."""
    token = staff.require_token(request) if save else None
    code = language(request)
    data = await json_object(request)
    problems: list[FieldError] = []
    values = _collect(problems, scenario_values, data, frozenset(SAVE_FIELDS))
    saving = _collect(problems, read_save_request, data, save, "save=true")
    if problems:
        raise InputError(problems)
    return await in_language(code, _priced, values, saving if token is not None else None)


def _priced(values: dict, saving: tuple | None) -> dict:
    """The quote's JSON; saved first when ``saving`` is (who, patient), with its ``quote_id`` (as ``quote
    --save --json`` prints it)."""
    q = quote(scenario_from_strings(values))
    return {**q.to_dict(), "quote_id": staff.save_quote(q, *saving)} if saving else q.to_dict()


def _collect(problems: list[FieldError], fn, *args):  # noqa: ANN001, ANN202
    """``fn(*args)``, noting its InputError's problems in ``problems`` (so all are reported together)."""
    try:
        return fn(*args)
    except InputError as e:
        problems.extend(e.errors)
        return None


_ROW = {"oneOf": [
    {"type": "object", "required": ["row", "status", "quote"],
     "properties": {"row": {"type": "integer"}, "status": {"const": "ok"}, "quote": schema.QUOTE_SCHEMA}},
    {"type": "object", "required": ["row", "status", "errors"],
     "properties": {"row": {"type": "integer"}, "status": {"const": "error"},
                    "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"]}}}},
]}


def _batch(rows: list) -> list[dict]:
    out = []
    for i, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise fail("scenario", f"give a JSON object of scenario fields, not {readers.kind(row)}")
            out.append({"row": i, "status": "ok", "quote": _quote_dict(scenario_values(row))})
        except InputError as e:
            out.append({"row": i, "status": "error",
                        "errors": [{"field": x.field, "message": x.message} for x in e.errors]})
    return out


@router.post("/quotes", openapi_extra=_body({
    "type": "object", "required": ["scenarios"], "additionalProperties": False,
    "properties": {"scenarios": {"type": "array", "maxItems": MAX_ROWS, "items": schema.scenario_schema()}}}),
    responses={**_ok({"type": "object", "required": ["results"],
                      "properties": {"results": {"type": "array", "items": _ROW}}},
                     f"One result per scenario, in order (at most {MAX_ROWS})"), **responses(413, 415, 422)})
async def post_quotes(request: Request, lang: str | None = _LANG) -> dict:
    """Quote up to 1,000 scenarios; each row is answered on its own (a bad row never affects the others)."""
    code = language(request)
    data = await json_object(request)
    unknown = [k for k in data if k != "scenarios"]
    if unknown:
        raise fail(unknown[0][:60], 'unknown key: the body is {"scenarios": [...]}')
    rows = data.get("scenarios")
    if not isinstance(rows, list):
        raise fail("scenarios", "is required: a list of scenarios (objects of scenario fields)")
    if len(rows) > MAX_ROWS:
        raise fail("scenarios", f"{len(rows)} scenarios: at most {MAX_ROWS} in one request")
    return {"results": await in_language(code, _batch, rows)}


def _series(values: dict, count: object, weeks: object) -> dict:
    problems: list[FieldError] = []
    if count is None:
        problems.append(FieldError("count", f"is required: {series.COUNT.allowed()}"))
    n = _collect(problems, series.read_count, count) if count is not None else None
    w = _collect(problems, series.read_weeks_apart, weeks) if weeks is not None else series.DEFAULT_WEEKS_APART
    sc = _collect(problems, scenario_from_strings, values)
    if problems:
        raise InputError(problems)
    return series.plan_series(sc, n, w).to_dict()


@router.post("/series", openapi_extra=_body(schema.scenario_schema(schema.SERIES_PROPERTIES)),
             responses={**_ok({"type": "object"}, "The series, as `series --json` prints it"),
                        **responses(413, 415, 422)})
async def post_series(request: Request, lang: str | None = _LANG) -> dict:
    """A series of injections: each one's share and the running total (the deductible fills as they go).
    The body holds the scenario's fields and ``count`` (1 to 6) and ``weeks_apart`` (default 3)."""
    code = language(request)
    data = await json_object(request)
    values = scenario_values(data, frozenset(schema.SERIES_PROPERTIES))
    return await in_language(code, _series, values, data.get("count"), data.get("weeks_apart"))


def _number(spec: FieldSpec, text: str | None) -> int | None:
    value, problem = read(spec, text)
    if problem:
        raise fail(spec.name, problem)
    return None if value is None else int(value)


def _hospitals(values: dict, limit: int, within: int | None) -> dict:
    found = nearby.nearby(scenario_from_strings(values), n=limit, within_miles=within)
    table = found.hospitals
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in table.to_dict("records")]
    return {"zip": values["zip"], "within_miles": within, "hospitals": rows,
            "nearest_miles": None if math.isnan(found.nearest_miles) else found.nearest_miles,
            "local_range": {k: {"low": lo, "high": hi} for k, (lo, hi) in found.local.items()}}


@router.get("/hospitals", responses={**_ok({"type": "object", "required": ["hospitals", "local_range"]},
                                          "The hospitals nearest the ZIP code, closest first"),
                                     **responses(422)})
async def get_hospitals(request: Request, zip: str = Query(..., description="the patient's ZIP code"),  # noqa: A002
                        within_miles: str | None = Query(None, description="only hospitals this close (1-500)"),
                        limit: str | None = Query(None, description="how many, nearest first (1-50, default 10)"),
                        lang: str | None = _LANG) -> dict:
    """The hospitals near a ZIP code with their published cash price and gross charge, and what the patient
    would likely pay at each (other scenario fields may be given as query parameters: coverage, deductible ...)."""
    code = language(request)
    problems: list[FieldError] = []
    n = _collect(problems, _number, LIMIT, limit) or LIMIT.default
    within = _collect(problems, _number, WITHIN, within_miles)
    query = {k: v for k, v in request.query_params.items() if k not in ("within_miles", "limit", "lang")}
    values = _collect(problems, scenario_values, query)
    if problems:
        raise InputError(problems)
    return await in_language(code, _hospitals, values, n, within)
