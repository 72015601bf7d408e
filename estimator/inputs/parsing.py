"""Reading a scenario from raw values: command-line options, CSV cells, URL parameters, widgets.

Accepts what people type ("$1,200", "20%", "HOPD", a choice's plain label) through the registry's
one parser and returns a validated Scenario, or raises InputError listing every field that cannot
be read or is not allowed. The same program checks DataFrames of scenarios (validation.py).
"""

from __future__ import annotations

from estimator.common.errors import InputError
from estimator.inputs.validation import check_values
from estimator.reference.tables import RefData
from estimator.scenario import Scenario


def scenario_from_strings(values: dict[str, object], ref: RefData | None = None) -> Scenario:
    """Build a Scenario from raw values keyed by field name (text or numbers; blanks are left out).

    Raises InputError listing every problem; with ``ref``, an unknown ZIP code, locality or state
    is reported too.
    """
    read, errors = check_values(values, ref)
    if errors:
        raise InputError(errors)
    return Scenario(**read)
