"""Plain-language guidance that goes with a quote: questions to ask before booking.

The project's own words. It informs; it is not medical, legal or insurance advice.
"""

from __future__ import annotations

from estimator.common.i18n import N_, _
from estimator.scenario import Scenario

#: The disclaimer in English (the msgid); ``disclaimer()`` gives it in the current language.
DISCLAIMER = N_("This is an estimate to help you plan, not a bill, a contract or a promise of coverage. "
              "It informs; it is not medical advice. Your doctor decides what care is right for you.")


def disclaimer() -> str:
    """The disclaimer in the current language."""
    return _(DISCLAIMER)


def questions(sc: Scenario) -> dict[str, list[str]]:
    """Questions for the doctor's office and for the insurer, fitted to the scenario, in the current
    language (keys "doctor" and "insurer" never change)."""
    doctor = [
        _("Which code will you bill (62321 with imaging, or another), and will there be separate bills "
          "from the facility and an anesthesia provider?"),
        _("Where will it be done: a hospital department, a surgery center or your office? Is a lower-cost "
          "site possible for me?"),
        _("Is the office part of a hospital (a hospital-owned, \"provider-based\" clinic)? Will there be a "
          "separate facility fee?"),
        _("Will I have sedation or an anesthesia provider, and is it needed in my case?"),
        _("What is your cash or self-pay price for each bill, and do you offer a discount for paying upfront?"),
        _("Should I stop any blood thinners, and for how long? Do I need someone to drive me home?"),
        _("How many of these injections do you do, and how often can it be repeated if it helps?"),
    ]
    insurer: list[str] = []
    if sc.coverage == "self_pay":
        doctor.append(_("Please give me a written Good Faith Estimate for every provider involved."))
    elif sc.coverage == "medicare":
        insurer = [
            _("How much of my Part B deductible have I met this year?"),
            _("Will Medicare cover this injection for my diagnosis, and how many have I had in the last 12 months "
              "in the same part of my spine?"),
            _("Does my Medigap or other supplemental plan pay the 20% coinsurance?"),
            _("If sedation is used and Medicare does not cover it, what would I owe?"),
        ]
    else:
        insurer = [
            _("Is prior authorization needed, and what must my doctor send (for example, weeks of physical "
              "therapy or medication first)?"),
            _("Are the doctor, the facility and the anesthesia provider all in my network?"),
            _("How much of my deductible and out-of-pocket maximum have I met this year?"),
            _("What copay or coinsurance applies to an outpatient injection at this site?"),
            _("What is the allowed amount for code 62321 (and the facility and anesthesia codes) with these "
              "providers?"),
        ]
    return {"doctor": doctor, "insurer": insurer}
