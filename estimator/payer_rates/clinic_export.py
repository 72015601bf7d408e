"""A clinic's contracted prices from its imported TiC rates, as the clinic price list the front desk
already reads (estimator.frontdesk.clinic_prices: payer, coverage, site, code, component, amount, note).

- Only usable dollar prices (``excluded`` empty) for the four injection codes; sedation and
  anesthesia codes have no line of their own in a price list.
- Site from the place of service: 11 office, 22 and 19 hospital outpatient, 24 surgery center,
  CSTM-00 (every place): any site (``*``). Component from the billing class: professional,
  institutional = the facility fee, both = both. With no place written, the doctor's fee is for any
  site, but a facility fee is for no known site (a facility's claim names its bill type, not its
  place; tic_file.places_of_service): left out, and counted.
- A rate with a modifier (26, TC...) prices part of the service, not the whole: left out, and counted.
- A rate of no named payer (a file whose ``reporting_entity_name`` was not text) is no line the front
  desk could match to a patient's insurer: left out, and counted, as in the bands (bands.build).
- Where the clinic's providers have several rates for one line, the median is the price and the note
  gives how many rates, the lowest and the highest, and the file date.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from estimator.common.safe_csv import write_rows
from estimator.payer_rates.tic_file import BILLS_BY_CLASS, places_of_service
from estimator.reference.tables import PROCEDURE_CODES

SITE_BY_POS = {"11": "office", "22": "hopd", "19": "hopd", "24": "asc", "CSTM-00": "*"}
HEADER = ("payer", "coverage", "site", "code", "component", "amount", "note")


@dataclass(frozen=True)
class Export:
    """The price list (CSV text), its number of lines, and the rates left out with their reason:
    with a modifier, at places of service the list has no site for, facility fees with no place,
    of no named payer."""

    csv: str
    lines: int
    with_modifier: int
    other_places: int
    no_place: int = 0
    no_payer: int = 0


def price_lines(rates: pd.DataFrame) -> tuple[pd.DataFrame, int, int, int, int]:
    """(lines, rates with a modifier left out, rates at other places of service left out, facility fees
    with no place of service left out, rates of no named payer left out)."""
    usable = rates[(rates["excluded"] == "") & rates["billing_code"].isin(PROCEDURE_CODES)]
    unnamed = usable["payer"].fillna("").astype(str).str.strip() == ""
    usable = usable[~unnamed]
    modified = usable["modifiers"] != ""
    usable = usable[~modified]
    rows, other, nowhere = [], 0, 0
    for r in usable.itertuples(index=False):
        placed = False
        for comp in BILLS_BY_CLASS[r.billing_class]:
            for site in {SITE_BY_POS[p] for p in places_of_service(r.place_of_service, comp) if p in SITE_BY_POS}:
                rows.append((r.payer, site, r.billing_code, comp, r.negotiated_rate, r.file_date))
                placed = True
        if not placed:
            if r.place_of_service:
                other += 1
            else:
                nowhere += 1
    frame = pd.DataFrame(rows, columns=["payer", "site", "code", "component", "amount", "file_date"])
    lines = (frame.groupby(["payer", "site", "code", "component"], sort=True)
             .agg(amount=("amount", "median"), n=("amount", "size"), low=("amount", "min"),
                  high=("amount", "max"), file_date=("file_date", "max")).reset_index())
    return lines, int(modified.sum()), other, nowhere, int(unnamed.sum())


def clinic_price_list(rates: pd.DataFrame) -> Export:
    """The price list of the clinic's imported rates."""
    lines, modified, other, nowhere, unnamed = price_lines(rates)
    out = []
    for r in lines.itertuples(index=False):
        spread = f"; {r.n} rates, lowest {r.low:.2f}, highest {r.high:.2f}" if r.n > 1 and r.low != r.high else ""
        note = f"insurer's in-network file dated {r.file_date or 'unknown'}{spread}"
        out.append((r.payer, "commercial", r.site, r.code, r.component, f"{r.amount:.2f}", note))
    return Export(write_rows(HEADER, out), len(out), modified, other, nowhere, unnamed)
