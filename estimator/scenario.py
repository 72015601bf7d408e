"""What a quote is asked for: the Scenario, built from the field registry (fields.py).

A scenario is plain data (no pricing): one attribute per registry field, with the registry's
default. ``Scenario.validate()`` returns the list of problems, each naming the field and what is
allowed, from the same validation program as the batch API (validation.py), so the CLI, the API
and the UI all show the same clear message. Money is in US dollars; coinsurance is a percentage
from 0 to 100.
"""

from __future__ import annotations

from dataclasses import field, fields, make_dataclass, replace

from estimator.common.errors import FieldError, InputError, ScenarioError
from estimator.inputs.fields import (  # noqa: F401  (re-exported: the names callers have always imported from here)
    COINSURANCE_BASE,
    COPAY_TIMING,
    COVERAGE,
    COVERAGE_LABELS,
    DEFAULT_ANESTHESIA_MINUTES,
    DEFAULT_SEDATION_MINUTES,
    IMAGING,
    IMAGING_LABELS,
    MAX_DOLLARS,
    MAX_MINUTES,
    MEDICARE_PROVIDER,
    MEDICARE_PROVIDER_LABELS,
    MEDIGAP,
    NETWORK,
    NETWORK_LABELS,
    REGISTRY,
    SEDATION,
    SEDATION_LABELS,
    SITE_LABELS,
    SITE_PHRASES,
    SITE_SHORT_LABELS,
    applies,
)

__all__ = ["FieldError", "InputError", "Scenario", "ScenarioError"]

_TYPES = {"place": "str | None", "text": "str", "choice": "str", "money": "float", "percent": "float", "count": "int",
          "year": "int", "flag": "bool"}


class _ScenarioMethods:
    """Derived values and checks shared by every Scenario."""

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def to_dict(self) -> dict:
        """{field name: value}; the values are plain text, numbers, bools or None (nothing to copy deeply)."""
        return {name: getattr(self, name) for name in _NAMES}

    @property
    def effective_imaging(self) -> str:
        if self.imaging:
            return self.imaging
        return "fluoroscopy" if self.code in ("62321", "62323") else "none"

    @property
    def billed_code(self) -> str:
        """The code the service is billed under, given the spine region and imaging."""
        upper = self.code in ("62320", "62321")
        guided = self.effective_imaging != "none"
        return {(True, True): "62321", (True, False): "62320",
                (False, True): "62323", (False, False): "62322"}[(upper, guided)]

    @property
    def effective_anesthesia_network(self) -> str:
        return self.anesthesia_network or self.network

    def changed(self, **changes: object) -> Scenario:
        """A copy with ``changes``, and every field that does not apply to the new coverage and
        sedation put back to its default (e.g. a copay dropped when the coverage becomes Original
        Medicare), and a named hospital dropped at another site than its outpatient department. Used
        wherever one scenario is turned into another (comparisons, the UIs)."""
        new = replace(self, **changes)
        reset = {f.name: f.default for f in REGISTRY if not applies(f, new.coverage, new.sedation)
                 and getattr(new, f.name) not in f.neutral_values}
        if new.hospital and new.site != "hopd":  # a named hospital prices only its outpatient department
            reset["hospital"] = None
        return replace(new, **reset) if reset else new

    def validate(self) -> list[FieldError]:
        """Every problem with the inputs (place lookups are checked by the geography module)."""
        from estimator.inputs.validation import check_values

        return check_values(self.to_dict())[1]

    def check(self) -> Scenario:
        """Raise InputError if anything is wrong; else return the scenario with its values read
        (text such as '1,500' as numbers, state codes in capitals)."""
        from estimator.inputs.validation import check_values

        values, errs = check_values(self.to_dict())
        if errs:
            raise InputError(errs)
        return replace(self, **values)


def _type(spec) -> str:  # noqa: ANN001
    if spec.default is None and spec.kind != "place":
        return _TYPES[spec.kind] + " | None"
    return _TYPES[spec.kind]


#: One patient's situation: one attribute per registry field. Give exactly one of zip, locality or state.
_NAMES = tuple(s.name for s in REGISTRY)
Scenario = make_dataclass(
    "Scenario", [(s.name, _type(s), field(default=s.default)) for s in REGISTRY], bases=(_ScenarioMethods,),
    namespace={"__doc__": "One patient's situation (fields: see estimator.inputs.fields.REGISTRY).",
               "__module__": __name__})
