"""Identifiers on a Good Faith Estimate: NPI (with its check digit), TIN, NUCC taxonomy and ICD-10-CM codes.

Sources: the NPI check digit is the Luhn algorithm over the prefix 80840 and the first nine digits
(CMS, "Requirements for NPI check digit"); a TIN (an EIN) is nine digits, usually written
12-3456789; an ICD-10-CM code is a letter (not U, reserved for special use), a digit, a letter
or digit, then optionally a dot and 1 to 4 more letters or digits (CDC/NCHS ICD-10-CM tabular
list). People often leave the dot out (``M5412``); the code is the same, written ``M54.12``. A
provider's taxonomy code is ten characters from the NUCC Health Care Provider Taxonomy code set
(nucc.org): three digits, six letters or digits, then X (``208VP0014X``, interventional pain
medicine physician).
"""

from __future__ import annotations

import re

#: A diagnosis code in the written (dotted) form, e.g. M54.12.
ICD10_CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_ICD10_INPUT = re.compile(r"^([A-TV-Z][0-9][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?$")
TIN = re.compile(r"^\d{2}-?\d{7}$")
#: A NUCC Health Care Provider Taxonomy code, e.g. 208VP0014X.
TAXONOMY = re.compile(r"^\d{3}[0-9A-Z]{6}X$")


def npi_is_valid(npi: str) -> bool:
    """A 10-digit NPI whose last digit is the Luhn check digit over '80840' + the first nine."""
    if not isinstance(npi, str) or not re.fullmatch(r"\d{10}", npi):
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def tin_is_valid(tin: str) -> bool:
    """Nine digits, with or without the dash after the second (12-3456789)."""
    return isinstance(tin, str) and bool(TIN.match(tin))


def taxonomy_is_valid(code: str) -> bool:
    """Ten characters: three digits, six upper-case letters or digits, then X (208VP0014X)."""
    return isinstance(code, str) and bool(TAXONOMY.match(code))


def normalize_icd10(code: str) -> str | None:
    """The code in its dotted form (``m5412`` and ``M54.12`` -> ``M54.12``), or None if it is not one."""
    m = _ICD10_INPUT.match(code.strip().upper()) if isinstance(code, str) else None
    if not m:
        return None
    head, tail = m.groups()
    return f"{head}.{tail}" if tail else head
