"""A series of injections: what each one costs as the deductible and out-of-pocket maximum fill.

Epidural injections are often given as a series (two or three, weeks apart). The first usually
costs the most: once it has filled the deductible, the next ones cost only the copay and
coinsurance, and after the out-of-pocket maximum nothing (for covered care in that plan year).

``plan_series(scenario, count, weeks_apart)`` prices injection 1 as the scenario says, then each
next one with what the patient has paid toward the deductible and the out-of-pocket maximum
carried forward (the scenario's ``deductible_met`` / ``deductible_remaining``, ``oop_met`` /
``oop_remaining``, and the out-of-network ``oon_deductible_met`` / ``oon_oop_met``), by the
engine's own benefit math (pipeline.run, benefits.split). Nothing here prices anything itself.

How low / typical / high combine. A patient's injections are billed by the same providers, so
their bills move together: the series' low is priced along the low path (every injection at the
low bills, each carrying forward what the low-bill injections before it paid), the typical along
the typical path, the high along the high path. Each injection's ``patient_pays`` holds its share
on each path, so the totals are the sums of the injections', and the total's low <= typical <= high
holds (a patient's cumulative share never falls as the bills rise). A single later injection's low
may exceed its typical: with low bills the first injection fills less of the deductible and leaves
more of it to the next one.

Amounts carried forward are those of the quote's typical case. Where the deductible is not known,
the quote prices it both ways (already met, and not yet met at a typical deductible; see
``Quote.patient_pays_if``); each later injection is priced both ways again, with the not-yet-met
case's deductible payments carried forward (the already-met case has none to carry). The
out-of-pocket amounts carried are the not-yet-met case's, so where an out-of-pocket maximum is
reached within the series, the already-met figures of later injections can be slightly low. An
unknown plan type out of network carries the PPO case's amounts likewise.

Assumptions (each said in the plan's ``warnings``):
- all injections fall in the same plan year (the deductible and maximum do not start again);
- Medicare (and Medicare Advantage) covers at most four sessions per spinal region in a rolling
  12 months (the MACs' LCDs for epidural steroid injections, e.g. L33906, L39054; the limit is
  ``lcd_max_sessions_12mo`` in data/medicare_parameters.csv): injection k counts the earlier
  injections of the series given within 365 days before it (7 x weeks apart x the gap in number),
  plus the scenario's ``prior_sessions``, whose dates are not known and which are taken to count for
  every injection of the series (so the limit may show sooner than it applies). A session beyond
  the limit is priced as self-pay by the engine (warning ``frequency_limit_reached``) and counts
  toward neither the deductible nor the maximum;
- other insurers' policies commonly (not universally) require at least two weeks between
  injections (``COMMON_MIN_WEEKS_APART``) and cap them at four per region in 12 months
  (``COMMON_YEARLY_CAP``), e.g. eviCore's CMM-200 (14 days apart; at most 4 in 12 months). These are
  warned about (``series_interval_short``, ``series_yearly_cap``), never refused.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np

from estimator.common.errors import FieldError, InputError
from estimator.common.i18n import N_, _, ngettext
from estimator.inputs.fields import FIELDS, MAX_PRIOR_SESSIONS, FieldSpec, applies, read
from estimator.pricing import pipeline
from estimator.quote import Quote, encode, quote
from estimator.reference.tables import LEVELS, RefData, load
from estimator.scenario import Scenario

#: Most injections a plan may hold (more than any policy covers in a year).
MAX_COUNT = 6
DEFAULT_COUNT = 2
#: Weeks between injections: 1 to 26 (two a year at the least).
MIN_WEEKS_APART, MAX_WEEKS_APART, DEFAULT_WEEKS_APART = 1, 26, 3
#: A rolling 12 months, in days (the LCDs' "rolling 12 months").
DAYS_IN_12_MONTHS = 365
#: Common commercial policy terms (not universal): at least two weeks apart, at most four a year.
COMMON_MIN_WEEKS_APART = 2
COMMON_YEARLY_CAP = 4
#: Coverages whose own policies the common terms are compared with (Medicare's LCD limit is the
#: engine's, for Original Medicare and Medicare Advantage alike).
POLICY_COVERAGES = frozenset({"commercial", "medicaid"})

#: Labels and help are English (translate where shown: ``_(COUNT.label)``).
COUNT = FieldSpec("count", "count", N_("Number of injections"),
                  N_("How many injections to plan, 1 to 6."), unit="injections", low=1, high=MAX_COUNT,
                  default=DEFAULT_COUNT)
WEEKS_APART = FieldSpec("weeks_apart", "count", N_("Weeks between injections"),
                        N_("Weeks from one injection to the next, 1 to 26."),
                        unit="weeks", low=MIN_WEEKS_APART, high=MAX_WEEKS_APART, default=DEFAULT_WEEKS_APART)

_BANDS = ("patient_pays", "plan_pays")


def _w(code: str, severity: str, message: str) -> dict[str, str]:
    return {"code": code, "severity": severity, "message": message}


@dataclass
class Injection:
    """One injection of a series: its quote (the typical path's) and its share on each path."""

    number: int
    week: int  # weeks after the first injection
    quote: Quote
    patient_pays: dict[str, float]  # level -> this injection's share on that level's path
    plan_pays: dict[str, float]
    #: The quote's JSON with every benefit figure's low and high taken from the low and high paths.
    merged: dict = field(repr=False, default_factory=dict)
    series_warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def warning_codes(self) -> list[str]:
        return [w["code"] for w in self.merged["warnings"]]

    def to_dict(self) -> dict:
        """The quote's JSON (as ``quote --json``) with ``number`` and ``week``."""
        return {"number": self.number, "week": self.week, **self.merged}


@dataclass
class SeriesPlan:
    """A priced series. ``to_dict()`` is the JSON of ``python -m estimator series --json``."""

    scenario: Scenario
    count: int
    weeks_apart: int
    injections: list[Injection]
    total_patient_pays: dict[str, float]
    total_plan_pays: dict[str, float]
    warnings: list[dict[str, str]]

    def to_dict(self) -> dict:
        return {"count": self.count, "weeks_apart": self.weeks_apart,
                "injections": [i.to_dict() for i in self.injections],
                "total_patient_pays": self.total_patient_pays, "total_plan_pays": self.total_plan_pays,
                "warnings": self.warnings}


def read_count(value: object) -> int:
    """The number of injections from text or a number; InputError naming ``count`` otherwise."""
    return _read(COUNT, value)


def read_weeks_apart(value: object) -> int:
    """Weeks between injections from text or a number; InputError naming ``weeks_apart`` otherwise."""
    return _read(WEEKS_APART, value)


def _read(spec: FieldSpec, value: object) -> int:
    v, problem = read(spec, value)
    if problem:
        raise InputError([FieldError(spec.name, problem)])
    return int(v)


def sessions_in_window(number: int, weeks_apart: int) -> int:
    """How many earlier injections of the series fall in the 12 months before injection ``number``."""
    return sum(1 for j in range(1, number) if 7 * weeks_apart * (number - j) < DAYS_IN_12_MONTHS)


# -- carrying amounts forward ---------------------------------------------------------------------------
@dataclass
class Paid:
    """What one injection paid toward the deductibles and maximums, in dollars (in / out of network)."""

    deductible: float = 0.0
    oop: float = 0.0
    oon_deductible: float = 0.0
    oon_oop: float = 0.0


def paid_toward(res: pipeline.Result, level: int) -> Paid:
    """From one injection's engine result (its typical case), at one level: the deductible and
    out-of-pocket amounts paid, by pool (in-network terms; a PPO's out-of-network terms). A session
    Medicare does not cover, a self-pay visit and an HMO's out-of-network bill count toward nothing."""
    if res.noncovered[0]:
        return Paid()
    sh = res.shares
    out = Paid()
    for c in range(sh.patient.shape[0]):
        if res.oon_none[c, 0]:
            continue
        ded = float(sh.deductible[c, level, 0])
        oop = float(sh.deductible[c, level, 0] + sh.copay[c, level, 0] + sh.coinsurance[c, level, 0]
                    - sh.over_max[c, level, 0])
        if res.oon_pay[c, 0]:
            out.oon_deductible += ded
            out.oon_oop += oop
        else:
            out.deductible += ded
            out.oop += oop
    return out


def _add(value: float | None, amount: float, cap: float | None = None) -> float:
    v = round((value or 0.0) + amount, 2)
    return min(v, cap) if cap is not None else v


def carry(sc: Scenario, paid: Paid) -> Scenario:
    """``sc`` with ``paid`` added to what is met (and taken off what remains) of each deductible and
    maximum that applies to its coverage. Where the remaining amount was given, both move, so the
    full deductible or maximum (remaining + met) the engine infers stays the same."""
    ch: dict[str, object] = {}
    cov = sc.coverage

    def ok(name: str) -> bool:
        return applies(FIELDS[name], cov)

    if ok("deductible_met") and paid.deductible > 0:
        ch["deductible_met"] = _add(sc.deductible_met, paid.deductible, sc.deductible)
        if sc.deductible_remaining is not None:
            ch["deductible_remaining"] = max(round(sc.deductible_remaining - paid.deductible, 2), 0.0)
    if ok("oop_met") and paid.oop > 0:
        ch["oop_met"] = _add(sc.oop_met, paid.oop, sc.oop_max)
        if sc.oop_remaining is not None:
            ch["oop_remaining"] = max(round(sc.oop_remaining - paid.oop, 2), 0.0)
    if ok("oon_deductible_met") and paid.oon_deductible > 0:
        ch["oon_deductible_met"] = _add(sc.oon_deductible_met, paid.oon_deductible, sc.oon_deductible)
    if ok("oon_oop_met") and paid.oon_oop > 0:
        ch["oon_oop_met"] = _add(sc.oon_oop_met, paid.oon_oop, sc.oon_oop_max)
    return replace(sc, **ch) if ch else sc


# -- the plan ---------------------------------------------------------------------------------------
def _key(sc: Scenario) -> tuple:
    return tuple(sc.to_dict().items())


def _merge(quotes: list[Quote]) -> dict:
    """The typical path's quote JSON, with each benefit figure's low from the low path's quote and
    its high from the high path's (bills, totals of care and the text are the typical path's)."""
    low, typ, high = (copy.deepcopy(q.to_dict()) for q in quotes)  # to_dict shares the quote's own dicts
    out = typ

    def mix(dst: dict | None, lo: dict | None, hi: dict | None) -> None:
        if dst is None or lo is None or hi is None:
            return
        dst["low"], dst["high"] = lo["low"], hi["high"]

    for key in _BANDS:
        mix(out[key], low[key], high[key])
    for part in out["breakdown"]:
        mix(out["breakdown"][part], low["breakdown"][part], high["breakdown"][part])
    for case in out["patient_pays_if"]:
        mix(out["patient_pays_if"][case], low["patient_pays_if"].get(case), high["patient_pays_if"].get(case))
    for c, lo_c, hi_c in zip(out["components"], low["components"], high["components"]):
        mix(c["patient_pays"], lo_c["patient_pays"], hi_c["patient_pays"])
    return out


def _injection_warnings(sc: Scenario, number: int, weeks_apart: int) -> list[dict[str, str]]:
    """Common policy terms this injection may break (warned, not refused)."""
    out = []
    if number > 1 and sc.coverage != "self_pay" and weeks_apart < COMMON_MIN_WEEKS_APART:
        out.append(_w("series_interval_short", "warning", ngettext(
            "This injection is {weeks} week after the last. Many insurers' policies require at least {minimum} "
            "weeks between epidural injections (a common policy term, not a universal one): check with your plan "
            "before booking, or it may not be paid.",
            "This injection is {weeks} weeks after the last. Many insurers' policies require at least {minimum} "
            "weeks between epidural injections (a common policy term, not a universal one): check with your plan "
            "before booking, or it may not be paid.", weeks_apart).format(weeks=weeks_apart,
                                                                           minimum=COMMON_MIN_WEEKS_APART)))
    in_year = sessions_in_window(number, weeks_apart) + 1
    if sc.coverage in POLICY_COVERAGES and in_year > COMMON_YEARLY_CAP:
        out.append(_w("series_yearly_cap", "warning",
                      _("This would be injection {number} in the same area within 12 months. Many insurers' "
                        "policies cover at most {cap} a year per spine region (a common policy term, not a universal "
                        "one): check with your plan, or it may not be paid.").format(number=in_year,
                                                                                     cap=COMMON_YEARLY_CAP)))
    return out


def _series_warnings(sc: Scenario, count: int, weeks_apart: int, first: Quote) -> list[dict[str, str]]:
    """What the plan assumes, said once for the series."""
    out = []
    span = (count - 1) * weeks_apart
    if count > 1 and sc.coverage != "self_pay":
        out.append(_w("series_same_plan_year", "info",
                      _("All injections are priced as falling in the same plan year. If a new plan year starts "
                        "between them (often January 1), the deductible and out-of-pocket maximum start again "
                        "and the next injection costs about what the first does.")))
    if count > 1 and span >= 52 and sc.coverage != "self_pay":
        out.append(_w("series_spans_years", "warning",
                      _("The injections span {weeks} weeks, more than a year: at least one new plan year starts "
                        "during the series, so the later injections will likely cost more than shown.").format(
                          weeks=span)))
    if count > 1 and "deductible_met" in first.patient_pays_if:
        out.append(_w("series_deductible_unknown", "info",
                      _("Your deductible was not given, so each injection is priced both ways, as in a single "
                        "estimate; the typical figures assume a typical deductible not yet met, which the first "
                        "injections fill.")))
    if count > 1 and applies(FIELDS["prior_sessions"], sc.coverage) and sc.prior_sessions:
        out.append(_w("series_prior_sessions", "info", ngettext(
            "The {n} earlier injection in the same area are counted as within 12 months of every injection of this "
            "series (their dates are not known), so Medicare's limit may show sooner than it applies.",
            "The {n} earlier injections in the same area are counted as within 12 months of every injection of "
            "this series (their dates are not known), so Medicare's limit may show sooner than it applies.",
            sc.prior_sessions).format(n=sc.prior_sessions)))
    return out


def plan_series(scenario: Scenario, count: int, weeks_apart: int = DEFAULT_WEEKS_APART,
                ref: RefData | None = None) -> SeriesPlan:
    """Price ``count`` injections ``weeks_apart`` weeks apart for one patient (see the module docstring).

    ``count`` and ``weeks_apart`` may be numbers or text (read like the registry's whole-number
    fields). Raises InputError naming ``count``, ``weeks_apart`` or the scenario's bad fields.
    """
    count, weeks_apart = read_count(count), read_weeks_apart(weeks_apart)
    ref = ref or load()
    first = quote(scenario, ref)  # checks the scenario (raises InputError naming its fields)
    base = first.scenario  # read and checked (a named hospital's ZIP filled in where no place was given)
    limit_applies = applies(FIELDS["prior_sessions"], base.coverage)
    paths = [base] * len(LEVELS)  # the scenario as the low, typical and high paths find it
    cache: dict[tuple, tuple[Quote, pipeline.Result]] = {}
    injections: list[Injection] = []
    for number in range(1, count + 1):
        extra = {}
        if limit_applies:
            extra["prior_sessions"] = min(base.prior_sessions + sessions_in_window(number, weeks_apart),
                                          MAX_PRIOR_SESSIONS)
        priced = []
        for sc in paths:
            sc = replace(sc, **extra) if extra else sc
            key = _key(sc)
            if key not in cache:
                q = first if number == 1 and sc == base else quote(sc, ref)
                cache[key] = (q, pipeline.run(ref, encode(q.scenario, q.place, ref)))
            priced.append((sc, *cache[key]))
        merged = _merge([q for _, q, _ in priced])
        own = _injection_warnings(base, number, weeks_apart)
        merged["warnings"] = merged["warnings"] + own
        injections.append(Injection(
            number=number, week=(number - 1) * weeks_apart, quote=priced[1][1],
            patient_pays=dict(merged["patient_pays"]), plan_pays=dict(merged["plan_pays"]), merged=merged,
            series_warnings=own))
        paths = [carry(sc, paid_toward(res, lvl)) for lvl, (sc, _, res) in enumerate(priced)]
    total = {lvl: round(float(np.sum([i.patient_pays[lvl] for i in injections])), 2) for lvl in LEVELS}
    plan_total = {lvl: round(float(np.sum([i.plan_pays[lvl] for i in injections])), 2) for lvl in LEVELS}
    return SeriesPlan(scenario=first.scenario, count=count, weeks_apart=weeks_apart, injections=injections,
                      total_patient_pays=total, total_plan_pays=plan_total,
                      warnings=_series_warnings(base, count, weeks_apart, first))
