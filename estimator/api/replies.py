"""How answers are sent: strict JSON, FHIR JSON, and the work done off the event loop in a language."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from estimator.api.problems import dumps
from estimator.common import i18n

T = TypeVar("T")
FHIR_JSON = "application/fhir+json"


class StrictJSON(Response):
    """JSON without NaN or Infinity (a figure that is not a number fails loudly instead of being sent)."""

    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return dumps(content)


class FhirJSON(StrictJSON):
    """A FHIR resource as JSON (``application/fhir+json``, FHIR R4's media type)."""

    media_type = FHIR_JSON


async def in_language(lang: str, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in a worker thread with the words in ``lang`` (pricing is CPU work: the event loop
    stays free for other requests)."""
    def run() -> T:
        with i18n.use(lang):
            return fn(*args)

    return await run_in_threadpool(run)
