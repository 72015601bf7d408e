"""Reading what a request sends: its JSON body, its scenario fields and the language it asks for.

Scenario fields are keyed by the registry's names (``estimator.inputs.fields``: ``zip``, ``site``,
``deductible`` ...) and read by its one parser, so ``"$1,500"``, ``1500`` and ``"1500"`` are the
same deductible, as on the command line. ``null`` (or an empty text) leaves a field blank. Every
problem is an ``InputError`` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from babel import negotiate_locale
from starlette.requests import Request

from estimator.common import i18n
from estimator.common.errors import FieldError, InputError, fail
from estimator.inputs import readers
from estimator.inputs.fields import FIELDS


class UnsupportedMediaType(Exception):
    """The body is not JSON (415)."""

    def __init__(self, media: str):
        super().__init__(media)
        self.media = media


def _is_json(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


async def json_object(request: Request) -> dict:
    """The body as a JSON object; 415 (:class:`UnsupportedMediaType`) for another media type,
    InputError naming ``body`` for an empty body, bad JSON or JSON that is not an object."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not _is_json(media):
        raise UnsupportedMediaType(media)
    raw = await request.body()
    if not raw.strip():
        raise fail("body", "is empty: give a JSON object")
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise fail("body", "is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise fail("body", f"is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except (ValueError, RecursionError) as e:
        raise fail("body", f"is not valid JSON: {str(e)[:80] or 'nested too deeply'}") from None
    if not isinstance(data, dict):
        raise fail("body", f"give a JSON object ({{...}}), not {readers.kind(data)}")
    return data


def scenario_values(data: Mapping[str, object], extra: frozenset[str] = frozenset(), where: str = "") -> dict:
    """The scenario fields of ``data`` as raw values for ``check_values`` (blanks left out).

    Keys in ``extra`` belong to the endpoint (``count``, ``by`` ...) and are skipped; any other key
    that is not a registry field, and any value that is a list or an object, is an InputError.
    ``where`` prefixes each field's name (``scenarios[3].``).
    """
    values, errors = {}, []
    for key, value in data.items():
        if key in extra:
            continue
        if key not in FIELDS:
            errors.append(FieldError(f"{where}{key[:60]}", "unknown field: a scenario field such as zip, site, "
                                                           "coverage or deductible (GET /v1/fields lists them)"))
        elif isinstance(value, dict | list):
            errors.append(FieldError(f"{where}{key}", f"give one value, not {readers.kind(value)}: "
                                                      f"{FIELDS[key].allowed()}"))
        elif value is not None and not (isinstance(value, str) and not value.strip()):
            values[key] = value
    if errors:
        raise InputError(errors)
    return values


def language(request: Request) -> str:
    """The language of the words: ``?lang=`` (checked: InputError naming ``lang``), else the best
    match in ``Accept-Language``, else English. Numbers and codes are the same in every language."""
    asked = request.query_params.get("lang")
    if asked is not None:
        return i18n.check(asked)
    header = request.headers.get("accept-language", "")
    ranked = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag.strip() and q > 0:
            ranked.append((-q, i, tag.strip().replace("-", "_")))
    best = negotiate_locale([t for *_, t in sorted(ranked)], list(i18n.LANGUAGES), sep="_")
    return best or i18n.DEFAULT
