"""Reading a hospital's standard-charges file in CMS's JSON schema (v2.x or v3.0).

The document (CMS data dictionary ``documentation/JSON/README.md`` and the JSON schemas): an object
with the hospital's general data (``hospital_name``, ``last_updated_on``, ``version``,
``hospital_location`` (v2) or ``location_name`` (v3), ``hospital_address``,
``license_information``) and ``standard_charge_information``: a list of items, each with
``description``, ``code_information`` (``code``, ``type``) and ``standard_charges`` (``setting``,
``gross_charge``, ``discounted_cash``, ``minimum``, ``maximum``, ``payers_information``: per payer
and plan ``standard_charge_dollar``, ``standard_charge_percentage``, ``standard_charge_algorithm``,
``methodology``, ...).

Read with ijson (its C backend, yajl2), streaming: a first pass reads the general data from the
parser's events and stops once it has them (usually before the charges); a second pass builds one
item of ``standard_charge_information`` at a time and keeps those coded 62320-62323 (CPT/HCPCS).
Memory stays at one item. Problems are raised as an ``InputError`` naming the JSON path
(``standard_charge_information[3].standard_charges[0].payers_information[1].standard_charge_dollar``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ijson

from estimator.common.errors import InputError, fail
from estimator.hospital_files import model
from estimator.hospital_files.model import HospitalFile, PriceRow, check_payer, choice, json_amount
from estimator.inputs.readers import kind

ITEMS = "standard_charge_information"
_LISTS = ("hospital_location", "location_name", "hospital_address")
_SCALARS = ("hospital_name", "last_updated_on", "version", "ccn")
_WANTED = {"hospital_name", "last_updated_on", "version", "hospital_address", "license_information"}
_KINDS = {"string": "a string", "number": "a number", "boolean": "true/false", "null": "null",
          "start_map": "an object", "start_array": "a list"}


def _broken(where: str, e: Exception) -> InputError:
    msg = (str(e).strip().splitlines() or [type(e).__name__])[0]
    return fail(where, f"not valid JSON here (the file is cut off or malformed): {msg[:200]}")


def _general(path: Path, source: str) -> HospitalFile:
    """The first pass: the hospital's general data, from the parser's events."""
    scalars: dict[str, Any] = {}
    lists: dict[str, list[str]] = {}
    license_info: dict[str, Any] = {}
    seen: set[str] = set()
    where = "file"
    with open(path, "rb") as f:
        events = ijson.parse(f, use_float=True)
        try:
            for prefix, event, value in events:
                where = prefix or "file"
                if prefix == "":
                    if event == "start_map" or event in ("map_key", "end_map"):
                        continue
                    raise fail("file", f"the document must be a JSON object, got {_KINDS.get(event, event)}")
                top = prefix.partition(".")[0]
                if prefix == top and event not in ("end_map", "end_array", "map_key"):
                    seen.add(top)
                    if top in _SCALARS:
                        if event not in ("string", "number") or (event == "number" and top != "ccn"):
                            raise fail(top, f"expected text, got {_KINDS.get(event, event)}")
                        scalars[top] = str(value)
                    elif top in _LISTS and event != "start_array":
                        raise fail(top, f"expected a list of text, got {_KINDS.get(event, event)}")
                    elif top == "license_information" and event != "start_map":
                        raise fail(top, f"expected an object, got {_KINDS.get(event, event)}")
                    elif top == ITEMS:
                        if event != "start_array":
                            raise fail(top, f"expected a list, got {_KINDS.get(event, event)}")
                        if seen >= _WANTED and seen & {"hospital_location", "location_name"}:
                            break  # the general data came first, as usual: the rest is the second pass's
                elif top in _LISTS and prefix == top + ".item":
                    if event != "string":
                        raise fail(f"{top}[{len(lists.get(top, []))}]",
                                   f"expected text, got {_KINDS.get(event, event)}")
                    lists.setdefault(top, []).append(value)
                elif top == "license_information" and prefix.count(".") == 1 and event != "map_key":
                    key = prefix.partition(".")[2]
                    if key in ("license_number", "state"):
                        if event != "string":
                            raise fail(prefix, f"expected text, got {_KINDS.get(event, event)}")
                        license_info[key] = value
        except ijson.JSONError as e:
            raise _broken(where, e) from None
    if "hospital_name" not in scalars or not scalars["hospital_name"].strip():
        raise fail("hospital_name", "is required: the hospital's legal business name")
    for key in ("last_updated_on", "version"):
        if key not in scalars:
            raise fail(key, "is required")
    if ITEMS not in seen:
        raise fail(ITEMS, "is required: the list of standard charges")
    state = license_info.get("state")
    return HospitalFile(
        hospital_name=scalars["hospital_name"].strip(),
        file_date=model.file_date(scalars["last_updated_on"], "last_updated_on"),
        version=model.template_version(scalars["version"], "version"),
        source_file=source, source_format="json",
        license_number=model.clean(license_info.get("license_number")),
        license_state=state.strip().upper() if isinstance(state, str) and state.strip() else None,
        ccn=model.ccn(scalars.get("ccn"), "ccn"),
        locations=lists.get("location_name") or lists.get("hospital_location") or [],
        addresses=lists.get("hospital_address", []))


def _text(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(f"{where}.{key}", f"expected text, got {kind(value)}")
    return model.clean(value)


def _list(obj: dict[str, Any], key: str, where: str, required: bool = False) -> list[Any]:
    value = obj.get(key)
    if value is None:
        if required:
            raise fail(f"{where}.{key}", "is required: expected a list")
        return []
    if not isinstance(value, list):
        raise fail(f"{where}.{key}", f"expected a list, got {kind(value)}")
    return value


def _codes(item: Any, where: str) -> list[tuple[str, str]]:
    """The item's (code, type) pairs, checking the shape the schema requires."""
    if not isinstance(item, dict):
        raise fail(where, f"expected an object, got {kind(item)}")
    out = []
    for i, ci in enumerate(_list(item, "code_information", where, required=True)):
        at = f"{where}.code_information[{i}]"
        if not isinstance(ci, dict):
            raise fail(at, f"expected an object, got {kind(ci)}")
        code, ctype = ci.get("code"), ci.get("type")
        if not isinstance(code, str):
            raise fail(f"{at}.code", f"expected text, got {kind(code)}")
        if not isinstance(ctype, str):
            raise fail(f"{at}.type", f"expected text, got {kind(ctype)}")
        out.append((code, ctype))
    return out


def _estimate(v: float | None) -> float | None:
    return None if v == model.NO_ESTIMATE else v


def _rows_of(item: dict[str, Any], code: str, where: str) -> list[PriceRow]:
    """The PriceRows of one item coded 62320-62323."""
    description = _text(item, "description", where) or ""
    out: list[PriceRow] = []
    for j, sc in enumerate(_list(item, "standard_charges", where, required=True)):
        at = f"{where}.standard_charges[{j}]"
        if not isinstance(sc, dict):
            raise fail(at, f"expected an object, got {kind(sc)}")
        mods = sc.get("modifier_code")
        if mods is not None and not (isinstance(mods, list) and all(isinstance(m, str) for m in mods)):
            raise fail(f"{at}.modifier_code", f"expected a list of text, got {kind(mods)}")
        common = dict(
            code=code, description=description, modifiers="|".join(mods) if mods else None,
            billing_class=choice(_text(sc, "billing_class", at), f"{at}.billing_class", model.BILLING_CLASSES),
            setting=choice(_text(sc, "setting", at), f"{at}.setting", model.SETTINGS, required=True),
            gross=json_amount(sc.get("gross_charge"), f"{at}.gross_charge"),
            cash=json_amount(sc.get("discounted_cash"), f"{at}.discounted_cash"),
            min=json_amount(sc.get("minimum"), f"{at}.minimum"), max=json_amount(sc.get("maximum"), f"{at}.maximum"))
        notes = _text(sc, "additional_generic_notes", at)
        payers = _list(sc, "payers_information", at)
        for k, p in enumerate(payers):
            pat = f"{at}.payers_information[{k}]"
            if not isinstance(p, dict):
                raise fail(pat, f"expected an object, got {kind(p)}")
            payer, plan = _text(p, "payer_name", pat), _text(p, "plan_name", pat)
            dollar = json_amount(p.get("standard_charge_dollar"), f"{pat}.standard_charge_dollar")
            pct = json_amount(p.get("standard_charge_percentage"), f"{pat}.standard_charge_percentage")
            algo = _text(p, "standard_charge_algorithm", pat)
            meth = choice(_text(p, "methodology", pat), f"{pat}.methodology", model.METHODOLOGIES)
            try:
                check_payer(payer, plan, dollar, pct, algo, meth, "", {
                    "payer": "payer_name", "plan": "plan_name", "dollar": "standard_charge_dollar",
                    "percentage": "standard_charge_percentage", "algorithm": "standard_charge_algorithm",
                    "methodology": "methodology"})
            except InputError as e:
                raise InputError([type(err)(f"{pat}.{err.field.strip()}".rstrip("."), err.message)
                                  for err in e.errors]) from None
            out.append(PriceRow(**common, payer=payer, plan=plan, negotiated_dollar=dollar, negotiated_percentage=pct,
                                negotiated_algorithm=algo, methodology=meth,
                                estimated_amount=_estimate(json_amount(p.get("estimated_amount"),
                                                                       f"{pat}.estimated_amount")),
                                median_amount=json_amount(p.get("median_amount"), f"{pat}.median_amount"),
                                notes=_text(p, "additional_payer_notes", pat) or notes, source_location=pat))
        if not payers:
            if common["gross"] is None and common["cash"] is None:
                raise fail(at, "no standard charge: give gross_charge, discounted_cash or payers_information")
            out.append(PriceRow(**common, payer=None, plan=None, negotiated_dollar=None, negotiated_percentage=None,
                                negotiated_algorithm=None, methodology=None, estimated_amount=None,
                                median_amount=None, notes=notes, source_location=at))
    return out


def read_json_file(path: str | os.PathLike[str], source: str | None = None) -> HospitalFile:
    """Read one CMS JSON standard-charges file; raises InputError naming the JSON path."""
    path = Path(path)
    hf = _general(path, source or path.name)
    count = 0  # items read so far: a problem is in item [count]
    with open(path, "rb") as f:
        try:
            for item in ijson.items(f, f"{ITEMS}.item", use_float=True):
                where = f"{ITEMS}[{count}]"
                code = next((c.strip() for c, t in _codes(item, where) if model.is_code(c, t)), None)
                if code is not None:
                    hf.rows += _rows_of(item, code, where)
                count += 1
        except ijson.JSONError as e:
            raise _broken(f"{ITEMS}[{count}]", e) from None
    return hf


__all__ = ["read_json_file"]
