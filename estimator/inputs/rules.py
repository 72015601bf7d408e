"""The cross-field rules a scenario must keep, once its fields could each be read.

Each rule names the field it is reported on, a predicate (``broken``) over the scenarios' columns
(columns.py: arrays for many, plain values for one; written with ``&``, ``|``, ``^ True`` and
comparisons so it means the same for both) and the message for a scenario that breaks it (in the
current language). The rules that a field does not apply to some coverages or sedation choices are
made from the registry (``_not_applicable_rule``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from estimator.common.i18n import N_, _
from estimator.inputs.columns import Columns, Row
from estimator.inputs.fields import COVERAGE, COVERAGE_LABELS, PLACE_FIELDS, REGISTRY, SEDATION, FieldSpec, show
from estimator.reference.tables import SITES, YEARS


@dataclass(frozen=True)
class Rule:
    """A rule over several fields: where it is reported, when it is broken (vectorised) and why."""

    field: str
    broken: Callable[[Columns | Row], np.ndarray | bool]  # a mask over Columns, one bool for a Row
    message: Callable[[Columns, int], str]


def _money(c: Columns, name: str, i: int) -> str:
    return f"${float(c.num[name][i]):,.2f}"


def _neutral(c: Columns | Row, spec: FieldSpec) -> np.ndarray | bool:
    """Rows where the field holds a value that changes nothing (accepted where it does not apply)."""
    vals = spec.neutral_values
    if spec.is_number:
        v = c.num[spec.name]
        out = v != v if None in vals else False  # noqa: PLR0124 (NaN: no value)
        for x in vals:
            if x is not None:
                out = out | (v == float(x))
        return out
    if spec.kind == "choice":
        return c.isin(spec.name, frozenset(x for x in vals if x is not None), blank=None in vals)
    if spec.kind == "flag":
        return c.idx[spec.name] == int(bool(spec.default))
    return c.given[spec.name] ^ True


def _not_applicable_rule(spec: FieldSpec) -> Rule:
    def broken(c: Columns | Row) -> np.ndarray | bool:
        elsewhere = (c.idx["coverage"] >= 0) & (
            (c.isin("coverage", spec.coverages) & c.isin("sedation", spec.sedations)) ^ True
        )
        if elsewhere is False:  # one scenario (a Row) the field applies to: nothing more to ask
            return False
        return elsewhere & (_neutral(c, spec) ^ True)

    def message(c: Columns, i: int) -> str:
        cov = COVERAGE[c.idx["coverage"][i]]
        if cov not in spec.coverages:
            why = (
                _(spec.not_applicable[cov])
                if spec.not_applicable.get(cov)
                else _("does not apply to {coverage}").format(coverage=_(COVERAGE_LABELS[cov]))
            )
        else:
            why = _("applies only with sedation {values}").format(
                values=_or([s for s in SEDATION if s in spec.sedations])
            )
        shown = [show(x) for x in spec.neutral_values if x is not None]
        return (
            _("{why}: allowed: {values} or leave it out").format(why=why, values=_or(shown))
            if shown
            else _("{why}: leave it out").format(why=why)
        )

    return Rule(spec.name, broken, message)


def _or(words: list[str]) -> str:
    """'a', 'a or b', 'a or b or c' in the current language."""
    out = words[0] if words else ""
    for w in words[1:]:
        out = _("{first} or {last}").format(first=out, last=w)
    return out


def _medicaid_limit(name: str) -> float:
    """A federal Medicaid cost-sharing limit (data/medicare_parameters.csv, from the curated figures)."""
    from estimator.reference.tables import load

    return load().param(name, YEARS[-1])


def _place_count(c: Columns | Row) -> np.ndarray | bool:
    return sum(c.given[f] * 1 for f in PLACE_FIELDS) != 1


def _met_over(name: str, limit: str, message: str) -> Rule:
    """The rule that what is met (``name``) is not more than the amount it counts toward (``limit``);
    ``message`` (English, marked with N_) has {amount} and {limit}."""
    return Rule(name, lambda c: c.has(limit) & (c.num[name] > c.num[limit]),
                lambda c, i: _(message).format(amount=_money(c, name, i), limit=_money(c, limit, i)))


#: The problem of a scenario with no place, or more than one (its English; shown translated).
PLACE_COUNT_MESSAGE = N_("give exactly one of zip (5 digits or ZIP+4), locality (e.g. 10112-00) or state (two letters)")

RULES: tuple[Rule, ...] = (
    Rule("zip", _place_count, lambda c, i: _(PLACE_COUNT_MESSAGE)),
    Rule(
        "deductible_remaining",
        lambda c: c.has("deductible_remaining") & c.has("deductible"),
        lambda c, i: _("give either deductible (with deductible_met) or deductible_remaining, not both"),
    ),
    _met_over("deductible_met", "deductible", N_("{amount} is more than the deductible ({limit})")),
    Rule(
        "oop_remaining",
        lambda c: c.has("oop_remaining") & c.has("oop_max"),
        lambda c, i: _("give either oop_max (with oop_met) or oop_remaining, not both"),
    ),
    _met_over("oop_met", "oop_max", N_("{amount} is more than the out-of-pocket maximum ({limit})")),
    _met_over("oon_deductible_met", "oon_deductible",
              N_("{amount} is more than the out-of-network deductible ({limit})")),
    _met_over("oon_oop_met", "oon_oop_max",
              N_("{amount} is more than the out-of-network out-of-pocket maximum ({limit})")),
    Rule(
        "copay_timing",
        lambda c: (
            (c.idx["hdhp"] == 1) & c.isin("copay_timing", frozenset({"before_deductible", "instead_of_deductible"}))
        ),
        lambda c, i: _(
            "an HSA-qualified high-deductible plan (hdhp) pays nothing before the deductible, so a "
            "copay cannot come before or instead of it: use after_deductible, or leave hdhp out"
        ),
    ),
    Rule(
        "coinsurance",
        lambda c: (
            c.isin("coverage", frozenset({"medicaid"}))
            & (c.num["coinsurance"] > _medicaid_limit("medicaid_max_coinsurance_pct"))
        ),
        lambda c, i: _(
            "{pct} is over the federal limit for Medicaid: at most {limit} of what Medicaid pays "
            "(42 CFR 447.52(b), for family income over 150% of the poverty line)"
        ).format(pct=f"{c.num['coinsurance'][i]:g}%", limit=f"{_medicaid_limit('medicaid_max_coinsurance_pct'):g}%"),
    ),
    Rule(
        "allowed",
        lambda c: (
            c.has("allowed") & (c.has("allowed_professional") | c.has("allowed_facility") | c.has("allowed_anesthesia"))
        ),
        lambda c, i: _(
            "give either the total allowed amount or the amounts per bill (professional, facility, "
            "anesthesia), not both"
        ),
    ),
    Rule(
        "allowed_facility",
        lambda c: (
            c.has("allowed_facility") & (c.num["allowed_facility"] != 0) & (c.idx["site"] == SITES.index("office"))
        ),
        lambda c, i: _("an office visit has no separate facility bill: leave it out or choose site hopd or asc"),
    ),
    Rule(
        "hospital",
        lambda c: c.has("hospital") & (c.idx["site"] != SITES.index("hopd")),
        lambda c, i: _(
            "a named hospital prices a hospital outpatient department's facility fee: choose site "
            "hopd or leave the hospital out"
        ),
    ),
    *(
        _not_applicable_rule(spec)
        for spec in REGISTRY
        if spec.coverages != frozenset(COVERAGE) or spec.sedations != frozenset(SEDATION)
    ),
)
