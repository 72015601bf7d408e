"""A quote's data sources named in plain words and years, for documents a patient reads.

A quote's ``sources`` name files and rules for whoever checks the numbers (``CMS PFS relative
value file CY2026 (reference/cms/pfs2026/...)``). A patient needs to know what kind of source it
is and how recent: "Medicare Physician Fee Schedule 2026", "hospitals' published prices (files
dated 2025-2026)". Each pattern below turns one kind of source into such words; a source no pattern
knows is kept with its file references removed. The words are in the current language (estimator.common.i18n).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from estimator.common.i18n import _

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


RULES: list[_Rule] = [
    (re.compile(r"PFS relative value file CY(?P<y>\d{4})"),
     lambda m: _("Medicare Physician Fee Schedule {year}").format(year=m.group("y"))),
    (re.compile(r"CY(?P<y>\d{4}) GPCI"),
     lambda m: _("Medicare's cost-of-living adjustments for each area, {year}").format(year=m.group("y"))),
    (re.compile(r"ASC Addendum AA(?:.*?(?P<y>20\d\d) January)?"),
     lambda m: _("Medicare's payment rates for surgery centers, {year}").format(year=m.group("y")) if m.group("y")
     else _("Medicare's payment rates for surgery centers")),
    (re.compile(r"^ASC wage index.*?CY(?P<y>\d{4})", re.S),
     lambda m: _("Medicare's wage levels for surgery centers by area, {year}").format(year=m.group("y"))),
    (re.compile(r"^OPPS APC.*?CY(?P<y>\d{4}) OPPS", re.S),
     lambda m: _("Medicare's payment rates for hospital outpatient departments, {year}").format(year=m.group("y"))),
    (re.compile(r"CY(?P<y>\d{4}) anesthesia conversion"),
     lambda m: _("Medicare's anesthesia payment rates, {year}").format(year=m.group("y"))),
    (re.compile(r"CY(?P<y>\d{4}) national anesthesia CF"),
     lambda m: _("Medicare's anesthesia payment rates, {year} (estimated from the year before)").format(
         year=m.group("y"))),
    (re.compile(r"^42 CFR 419\.41"), lambda m: _("Medicare's cap on a hospital outpatient copayment")),
    (re.compile(r"^42 CFR 447\.5"), lambda m: _("federal Medicaid rules on what patients may be charged")),
    (re.compile(r"^Social Security Act 1848"),
     lambda m: _("Medicare law on what doctors outside Medicare may charge")),
    (re.compile(r"Medigap"), lambda m: _("Medicare's guide to Medigap plans")),
    (re.compile(r"^Assumption"), lambda m: _("the estimator's stated assumptions where a plan's own figures were "
                                             "not entered")),
    (re.compile(r"^ASA Relative Value Guide"), lambda m: _("standard anesthesia time units (American Society of "
                                                         "Anesthesiologists)")),
    (re.compile(r"price-transparency files of about [\d,]+ US hospitals.*?, (?P<y>\d{4}(?:-\d{4})?) \("),
     lambda m: _("hospitals' published prices (files dated {years})").format(years=m.group("y"))),
    (re.compile(r"price-transparency files of (?P<n>\d+) US hospitals, (?P<y>\d{4}(?:-\d{4})?)"),
     lambda m: _("{n} hospitals' published prices, including insurers' rates (files dated {years})").format(
         n=m.group("n"), years=m.group("y"))),
    (re.compile(r"Bai & Anderson, JAMA (?P<y>\d{4})"),
     lambda m: _("a national study of hospital charges (Bai and Anderson, JAMA, {year})").format(year=m.group("y"))),
    (re.compile(r"^MedPAC, HCCI"), lambda m: _("reports on what private insurers pay doctors (MedPAC; Health Care "
                                               "Cost Institute)")),
    (re.compile(r"^HHS Notice of Benefit and Payment Parameters"),
     lambda m: _("the federal yearly limit on out-of-pocket costs (HHS)")),
    (re.compile(r"ZIP to locality file.*?ZIP5_(?P<m>[A-Z]{3})(?P<y>\d{4})"),
     lambda m: _("Medicare's list of which ZIP codes belong to which area ({month} {year})").format(
         month=m.group("m").title(), year=m.group("y"))),
    (re.compile(r"Part B premiums and deductibles"), lambda m: _("Medicare's yearly Part B deductible notice")),
    (re.compile(r"^Social Security Act 1833\(a\)"), lambda m: _("Medicare law: Part B pays 80%, you pay 20%")),
    (re.compile(r"^Medicare contractor for carrier \d+: (?P<who>[^,]+?),"),
     lambda m: _("your area's Medicare contractor ({contractor})").format(contractor=m.group("who"))),
    (re.compile(r"^Medicare LCDs"), lambda m: _("Medicare contractors' coverage rules for epidural injections")),
    (re.compile(r"^KFF Employer Health Benefits Survey (?P<y>\d{4})"),
     lambda m: _("the KFF survey of employer health plans, {year}").format(year=m.group("y"))),
    (re.compile(r"^(?P<who>[^,]+), CCN \w+: (?:published|imported) hospital price file \(file dated "
                r"(?P<d>[^)]+)\)"),
     lambda m: _("{hospital}'s published prices (file dated {date})").format(hospital=m.group("who"),
                                                                            date=m.group("d"))),
    (re.compile(r"^(?P<who>[^,]+), CCN \w+: (?:published|imported) hospital price file"),
     lambda m: _("{hospital}'s published prices").format(hospital=m.group("who"))),
]

_FILE_REF = re.compile(r"\s*\((?:[^()]*(?:/|\.csv|\.md|\.txt|\.json)[^()]*)\)")


def plain_source(source: str) -> str:
    """One source in plain words (see the module docstring)."""
    for pattern, words in RULES:
        m = pattern.search(source)
        if m:
            return words(m)
    text = _FILE_REF.sub("", source)
    text = re.split(r"\. Source: ", text)[0]
    return text.strip().rstrip(".;:")


def plain_sources(sources: list[str]) -> list[str]:
    """A quote's sources in plain words, each once, in the quote's order."""
    out: list[str] = []
    for s in sources:
        p = plain_source(s)
        if p and p not in out:
            out.append(p)
    return out
