"""A quote's data sources named in plain words and years, for documents a patient reads.

A quote's ``sources`` name files and rules for whoever checks the numbers (``CMS PFS relative
value file CY2026 (reference/cms/pfs2026/...)``). A patient needs to know what kind of source it
is and how recent: "Medicare Physician Fee Schedule 2026", "hospitals' published prices (files
dated 2025-2026)". Each pattern below turns one kind of source into such words; a source no pattern
knows is kept with its file references removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


RULES: list[_Rule] = [
    (re.compile(r"PFS relative value file CY(?P<y>\d{4})"),
     lambda m: f"Medicare Physician Fee Schedule {m.group('y')}"),
    (re.compile(r"CY(?P<y>\d{4}) GPCI"),
     lambda m: f"Medicare's cost-of-living adjustments for each area, {m.group('y')}"),
    (re.compile(r"ASC Addendum AA(?:.*?(?P<y>20\d\d) January)?"),
     lambda m: "Medicare's payment rates for surgery centers" + (f", {m.group('y')}" if m.group("y") else "")),
    (re.compile(r"^ASC wage index.*?CY(?P<y>\d{4})", re.S),
     lambda m: f"Medicare's wage levels for surgery centers by area, {m.group('y')}"),
    (re.compile(r"^OPPS APC.*?CY(?P<y>\d{4}) OPPS", re.S),
     lambda m: f"Medicare's payment rates for hospital outpatient departments, {m.group('y')}"),
    (re.compile(r"CY(?P<y>\d{4}) anesthesia conversion"),
     lambda m: f"Medicare's anesthesia payment rates, {m.group('y')}"),
    (re.compile(r"CY(?P<y>\d{4}) national anesthesia CF"),
     lambda m: f"Medicare's anesthesia payment rates, {m.group('y')} (estimated from the year before)"),
    (re.compile(r"^42 CFR 419\.41"), lambda m: "Medicare's cap on a hospital outpatient copayment"),
    (re.compile(r"^42 CFR 447\.5"), lambda m: "federal Medicaid rules on what patients may be charged"),
    (re.compile(r"^Social Security Act 1848"), lambda m: "Medicare law on what doctors outside Medicare may charge"),
    (re.compile(r"Medigap"), lambda m: "Medicare's guide to Medigap plans"),
    (re.compile(r"^Assumption"), lambda m: "the estimator's stated assumptions where a plan's own figures were not "
                                           "entered"),
    (re.compile(r"^ASA Relative Value Guide"), lambda m: "standard anesthesia time units (American Society of "
                                                       "Anesthesiologists)"),
    (re.compile(r"price-transparency files of about [\d,]+ US hospitals.*?, (?P<y>\d{4}(?:-\d{4})?) \("),
     lambda m: f"hospitals' published prices (files dated {m.group('y')})"),
    (re.compile(r"price-transparency files of (?P<n>\d+) US hospitals, (?P<y>\d{4}(?:-\d{4})?)"),
     lambda m: f"{m.group('n')} hospitals' published prices, including insurers' rates (files dated "
               f"{m.group('y')})"),
    (re.compile(r"Bai & Anderson, JAMA (?P<y>\d{4})"),
     lambda m: f"a national study of hospital charges (Bai and Anderson, JAMA, {m.group('y')})"),
    (re.compile(r"^MedPAC, HCCI"), lambda m: "reports on what private insurers pay doctors (MedPAC; Health Care "
                                             "Cost Institute)"),
    (re.compile(r"^HHS Notice of Benefit and Payment Parameters"),
     lambda m: "the federal yearly limit on out-of-pocket costs (HHS)"),
    (re.compile(r"ZIP to locality file.*?ZIP5_(?P<m>[A-Z]{3})(?P<y>\d{4})"),
     lambda m: f"Medicare's list of which ZIP codes belong to which area ({m.group('m').title()} {m.group('y')})"),
    (re.compile(r"Part B premiums and deductibles"), lambda m: "Medicare's yearly Part B deductible notice"),
    (re.compile(r"^Social Security Act 1833\(a\)"), lambda m: "Medicare law: Part B pays 80%, you pay 20%"),
    (re.compile(r"^Medicare contractor for carrier \d+: (?P<who>[^,]+?),"),
     lambda m: f"your area's Medicare contractor ({m.group('who')})"),
    (re.compile(r"^Medicare LCDs"), lambda m: "Medicare contractors' coverage rules for epidural injections"),
    (re.compile(r"^KFF Employer Health Benefits Survey (?P<y>\d{4})"),
     lambda m: f"the KFF survey of employer health plans, {m.group('y')}"),
    (re.compile(r"^(?P<who>[^,]+), CCN \w+: (?:published|imported) hospital price file \(file dated "
                r"(?P<d>[^)]+)\)"),
     lambda m: f"{m.group('who')}'s published prices (file dated {m.group('d')})"),
    (re.compile(r"^(?P<who>[^,]+), CCN \w+: (?:published|imported) hospital price file"),
     lambda m: f"{m.group('who')}'s published prices"),
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
