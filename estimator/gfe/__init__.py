"""Good Faith Estimates for uninsured and self-pay patients (45 CFR 149.610) and the rules around them.

- ``identifiers``: NPI check digit, TIN, ICD-10-CM diagnosis codes.
- ``business_days``: federal holidays, business days and the deadline to issue the estimate.
- ``clinic_profile``: the clinic and its providers (``Provider``, ``ClinicProfile``).
- ``estimate``: the case (``GfeCase``), each provider's own price (``own_prices``), its itemised lines
  (``GfeLine``, ``gfe_lines``) and ``build``.
- ``disputes``: whether a bill can be disputed against the estimate (``check_bill``).
- ``fhir_packet``: the estimate as a Da Vinci PCT GFE Packet, FHIR R4 (``gfe_packet``; imported
  from its module, as it needs fhir.resources).

This informs; it is not legal advice.
"""

from __future__ import annotations

from estimator.gfe.business_days import (
    Deadline,
    add_business_days,
    business_days_between,
    deadline,
    federal_holidays,
    is_business_day,
)
from estimator.gfe.clinic_profile import ROLE_LABELS, ROLES, ClinicProfile, Provider
from estimator.gfe.disputes import BillCheck, check_bill
from estimator.gfe.estimate import (
    GfeCase,
    GfeLine,
    OwnPrice,
    build,
    gfe_lines,
    missing_price_errors,
    own_prices,
    visit_roles,
)
from estimator.gfe.identifiers import ICD10_CM, TIN, normalize_icd10, npi_is_valid, tin_is_valid

__all__ = [
    "ICD10_CM", "ROLES", "ROLE_LABELS", "TIN", "BillCheck", "ClinicProfile", "Deadline", "GfeCase", "GfeLine",
    "OwnPrice", "Provider", "add_business_days", "build", "business_days_between", "check_bill", "deadline",
    "missing_price_errors", "own_prices", "visit_roles",
    "federal_holidays", "gfe_lines", "is_business_day", "normalize_icd10", "npi_is_valid", "tin_is_valid",
]
