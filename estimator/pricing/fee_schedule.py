"""Medicare reference prices, exact to the cent, over arrays of scenarios.

Physician fee (CMS PFS payment formula, 42 CFR 414.22):
    round((work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x conversion factor, 2)
with the non-facility PE RVU in an office and the facility PE RVU in a hospital or surgery center.
The arithmetic is done in exact integers (RVUs in hundredths, GPCIs in thousandths, conversion
factor in ten-thousandths), so there is no floating-point drift and half-cents round up.

Facility fee: hospital outpatient (OPPS) = APC rate x (0.60 x wage index + 0.40); surgery center
(42 CFR 416.172) = the national Addendum AA rate x (0.50 x wage index + 0.50). The wage index is
that of the patient's area where the ZIP code gives one (its county's metropolitan CBSA, or the
state's rural area: data/zip_wage_area.csv, wage_index_areas.csv), standing in for the hospital's
own OPPS wage index too; otherwise the locality's: its ASC wage index (data/asc_wage_index.csv)
for a surgery center, its PE GPCI for a hospital. Labor shares come from data/facility_rates.csv.
No facility fee in an office.

Anesthesia: (base units + time units) x locality anesthesia conversion factor, with time units =
minutes / 15 rounded to one decimal (CMS Claims Processing Manual ch. 12 s. 50).

Moderate sedation by the proceduralist: 99152 for the first 15 minutes (10 to 22 minutes), plus one
99153 for each further 15 minutes or part past the midpoint (23-37 minutes: 1, 38-52: 2, ...).
99153 is paid only in an office: CMS's RVU file marks it "NA" for the facility setting (and PC/TC
indicator 3, technical component only), because in a hospital or surgery center the facility's own
staff monitor the patient; the MACs deny it there (e.g. Palmetto GBA, "Moderate Sedation Services",
palmettogba.com/palmetto/jmb.nsf/DID/AXBK432613). So no 99153 units are priced outside an office.
All amounts are returned in cents (int64).
"""

from __future__ import annotations

import numpy as np

from estimator.reference.tables import RefData

SITE_HOPD, SITE_ASC, SITE_OFFICE = 0, 1, 2
SED_LOCAL, SED_MODERATE, SED_ANESTHESIA = 0, 1, 2


def _round_div(num: np.ndarray, den: int) -> np.ndarray:
    """Integer division rounding half up (num >= 0)."""
    return (num + den // 2) // den


def pfs_cents(ref: RefData, year: np.ndarray, loc: np.ndarray, code: str | np.ndarray,
              nonfacility: np.ndarray | bool, gpci: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
    """Physician fee schedule amount in cents for one code (or an array of code positions).

    ``gpci`` may pass the rows' (work, PE, MP) indices already looked up, to save the lookups.
    """
    c = ref.pfs_codes.index(code) if isinstance(code, str) else code
    gw, gp, gm = gpci or (ref.gpci_work[year, loc], ref.gpci_pe[year, loc], ref.gpci_mp[year, loc])
    pe_table = ref.rvu_pe_nonfac if nonfacility is True else ref.rvu_pe_fac if nonfacility is False else None
    pe = pe_table[year, c] if pe_table is not None else np.where(
        nonfacility, ref.rvu_pe_nonfac[year, c], ref.rvu_pe_fac[year, c])
    rvu_x_gpci = ref.rvu_work[year, c] * gw + pe * gp + ref.rvu_mp[year, c] * gm  # units of 1e-5 RVU
    return _round_div(rvu_x_gpci * ref.cf[year], 10_000_000)  # 1e-9 dollars -> cents


def sedation_units(minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(99152 units, 99153 units) for moderate sedation of the given length."""
    first = (minutes >= 10).astype(np.int64)
    extra = np.where(minutes >= 23, (minutes - 23) // 15 + 1, 0)
    return first, extra


def anesthesia_time_units_tenths(minutes: np.ndarray, minutes_per_unit: int) -> np.ndarray:
    """Anesthesia time units in tenths: minutes / 15, rounded to one decimal."""
    return _round_div(np.asarray(minutes, np.int64) * 10 * 2, 2 * minutes_per_unit)


def reference_cents(ref: RefData, year: np.ndarray, loc: np.ndarray, code: np.ndarray,
                    site: np.ndarray, sedation: np.ndarray, sed_minutes: np.ndarray,
                    anes_minutes: np.ndarray, wage_area: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Medicare reference amounts in cents for each component and line.

    ``wage_area``: each row's wage-index area (positions in RefData.wage_areas, -1 = none).
    ``code`` holds positions in tables.PROCEDURE_CODES (which are also positions in pfs_codes for
    the four procedure codes). Returns professional, facility and anesthesia totals and the lines that
    make them up (procedure, fee_99152, fee_99153, their units, anesthesia units in tenths).
    ``units_99153`` counts only the units paid at the site (none in a hospital or surgery center);
    ``sedation_99153_unpaid`` counts the extra 15-minute periods that are not paid separately there.
    """
    office = site == SITE_OFFICE
    s_first, s_extra = sedation_units(sed_minutes)
    moderate = sedation == SED_MODERATE
    s_first = np.where(moderate, s_first, 0)
    s_extra = np.where(moderate, s_extra, 0)
    c153 = ref.pfs_codes.index("99153")
    paid_here = office | ref.paid_in_facility[year, c153]
    unpaid = np.where(paid_here, 0, s_extra)
    s_extra = np.where(paid_here, s_extra, 0)  # not paid in a hospital or surgery center
    gpci = (ref.gpci_work[year, loc], ref.gpci_pe[year, loc], ref.gpci_mp[year, loc])
    # The non-facility practice expense in an office, the facility one elsewhere (row by row).
    procedure, fee_99152, fee_99153 = (pfs_cents(ref, year, loc, c, office, gpci) for c in (code, "99152", "99153"))

    fac_site = np.minimum(site, SITE_ASC)
    rate = ref.facility_rate_cents[year, fac_site, code]
    labor = ref.facility_labor_permille[fac_site]
    wage = np.where(site == SITE_ASC, ref.asc_wage_index[year, loc], gpci[1] * 10)  # 1e-4
    if wage_area is not None:
        wage = np.where(wage_area >= 0, ref.area_wage_index[year, np.maximum(wage_area, 0)], wage)
    adj = labor * wage + (1000 - labor) * 10000  # 1e-7
    facility = np.where(office, 0, _round_div(rate * adj, 10_000_000))

    with_anes = sedation == SED_ANESTHESIA
    time_tenths = np.where(with_anes, anesthesia_time_units_tenths(anes_minutes, ref.anes_minutes_per_unit), 0)
    units_tenths = np.where(with_anes, round(ref.anes_base_units * 10) + time_tenths, 0)
    anesthesia = _round_div(units_tenths * ref.anes_cf_cents[year, loc], 10)
    return {"professional": procedure + s_first * fee_99152 + s_extra * fee_99153,
            "facility": facility, "anesthesia": anesthesia,
            "procedure": procedure, "fee_99152": fee_99152, "fee_99153": fee_99153,
            "units_99152": s_first, "units_99153": s_extra, "sedation_99153_unpaid": unpaid,
            "anesthesia_units_tenths": units_tenths,
            "anesthesia_time_tenths": time_tenths}
