"""The staff endpoints, behind a bearer token: saved quotes, the quote log, Good Faith Estimates as FHIR.

``Authorization: Bearer est_...`` must carry an active token (``python -m estimator api-token
create``); without one the answer is 401 with no data. What is saved goes through the front desk's
own functions (``estimator.frontdesk.desk``), so a record saved here is the record the desk would
have saved: same inputs, outputs, hash chain.

``POST /v1/gfe`` takes the Good Faith Estimate case (the shape of ``examples/gfe_case.json``) plus
``by``; the clinic profile is the server's (``ESTIMATOR_CLINIC_PROFILE``, as the desk's) unless the
case gives one as an object. A path in ``clinic_profile`` is refused: the API reads no file a
client names.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from estimator.api.bodies import json_object
from estimator.api.problems import responses
from estimator.api.replies import FHIR_JSON, FhirJSON, StrictJSON
from estimator.common.errors import fail
from estimator.frontdesk import desk
from estimator.frontdesk.save_request import SAVE_TEXT, one_line_text
from estimator.inputs import readers
from estimator.quote import Quote
from estimator.records.api_tokens import ApiToken, TokenStore
from estimator.records.saved import record_json
from estimator.records.storage import QuoteLog

router = APIRouter(prefix="/v1", default_response_class=StrictJSON)
ROOT = Path(__file__).resolve().parents[2]
BEARER = [{"bearer": []}]



class Unauthorized(Exception):
    """No valid bearer token (401)."""


@functools.cache
def _tokens() -> TokenStore:
    """This process's quote log and its tokens (opened once; the database is named by the environment)."""
    return TokenStore(QuoteLog())


def _log() -> QuoteLog:
    return _tokens().log


def require_token(request: Request) -> ApiToken:
    """The active token the request carries; :class:`Unauthorized` otherwise."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send an API token: Authorization: Bearer <token> (python -m estimator api-token create)")
    found = _tokens().check(token.strip())
    if found is None:
        raise Unauthorized("the API token is not valid: it is unknown or was revoked")
    return found


def save_quote(q: Quote, by: str, patient: desk.Patient) -> str:
    """Save a quote as the desk (and ``quote --save``) does; its quote ID."""
    return desk.save_quote(_log(), desk.record_inputs(q.scenario), q.to_dict(), by, patient).id


@router.get("/log/{quote_id}", openapi_extra={"security": BEARER},
            responses={200: {"description": "Every stored value of the record, as `log show --json` prints it",
                             "content": {"application/json": {"schema": {"type": "object",
                                                                         "required": ["quote_id", "outputs"]}}}},
                       **responses(401, 404, 503)})
async def get_log(request: Request, quote_id: str) -> dict:
    """A saved quote or Good Faith Estimate, by its ID."""
    require_token(request)
    return await run_in_threadpool(_record, quote_id)


def _record(quote_id: str) -> dict:
    try:
        return record_json(_log().get(quote_id))
    except KeyError:
        raise LookupError(f"no saved quote {quote_id[:20]!r} (IDs look like Q7K3M9XPD2)") from None


def server_profile() -> dict:
    """The server's clinic profile document (``ESTIMATOR_CLINIC_PROFILE``, else the example's)."""
    path = Path(os.environ.get("ESTIMATOR_CLINIC_PROFILE", ROOT / "examples" / "clinic_profile.json"))
    return readers.read_json_file(path, "clinic_profile")


def _gfe(data: dict) -> tuple[dict, str]:
    by = one_line_text("by", data.get("by"), SAVE_TEXT["by"])
    if not by:
        raise fail("by", "is required: who is issuing the Good Faith Estimate (staff name)")
    case_dict = {k: v for k, v in data.items() if k != "by"}
    profile = case_dict.get("clinic_profile")
    if profile is None:
        case_dict["clinic_profile"] = server_profile()
    elif not isinstance(profile, dict):
        raise fail("clinic_profile", "give the clinic profile as an object, or leave it out to use this server's "
                                     "profile (the API reads no file path)")
    case, outputs = desk.issue_gfe(case_dict, fhir=True)
    patient = desk.Patient(case.patient_name, case.patient_dob, case.patient_ref or None)
    saved = desk.save_gfe(_log(), desk.record_inputs(case.scenario), outputs, by, patient)
    return outputs["gfe"]["fhir"], saved.id


@router.post("/gfe", response_class=FhirJSON, openapi_extra={
    "security": BEARER,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["patient", "diagnosis_codes", "by"],
        "description": "a Good Faith Estimate case (examples/gfe_case.json) and `by`, who issues it",
        "properties": {"by": {"type": "string", "maxLength": 120}, "patient": {"type": "object"},
                       "service": {"type": "object"}, "diagnosis_codes": {"type": "array"},
                       "scenario": {"type": "object"}, "clinic_profile": {"type": "object"},
                       "separately_scheduled": {"type": "array"}, "cash_prices": {"type": "object"},
                       "issued_on": {"type": "string"}}}}}}},
    responses={200: {"description": "A Da Vinci PCT GFE Packet (a FHIR document Bundle), saved to the quote log",
                     "headers": {"X-Quote-Id": {"schema": {"type": "string"}, "description": "the saved record"}},
                     "content": {FHIR_JSON: {"schema": {"type": "object", "required": ["resourceType", "type"]}}}},
               **responses(401, 413, 415, 422, 503)})
async def post_gfe(request: Request) -> FhirJSON:
    """Issue a Good Faith Estimate for an uninsured or self-pay patient: priced at each provider's own
    price, saved to the quote log like the desk's, returned as a PCT GFE Packet."""
    require_token(request)
    data = await json_object(request)
    packet, quote_id = await run_in_threadpool(_gfe, data)
    return FhirJSON(packet, headers={"X-Quote-Id": quote_id, "Location": f"/v1/log/{quote_id}"})
