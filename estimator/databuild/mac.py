"""Medicare Administrative Contractor (MAC) jurisdiction of every Medicare locality's carrier.

A locality's carrier number (the first part of ``locality_key``, from CMS's ZIP and GPCI files) is
the A/B MAC contract number that pays Part B claims there; its first two digits name the
jurisdiction (``curated/mac_jurisdictions.csv``, one row per prefix with CMS's "Who are the MACs"
page as the source and the states CMS lists). The build checks that every carrier in the GPCI table
has a prefix and that the carrier's state is one CMS lists for that jurisdiction.

Each MAC publishes its own local coverage determination (LCD) "Epidural Steroid Injections for Pain
Management". ``lcd_id`` is filled only where a public source names the LCD of that contractor
(``lcd_source``); elsewhere it is blank and quotes name the contractor's LCD in words.
"""

from __future__ import annotations

import pandas as pd

from estimator.databuild.figures import CURATED


def mac_jurisdictions(gpci: pd.DataFrame) -> pd.DataFrame:
    """One row per carrier of ``gpci`` (columns carrier, state): carrier, states (its localities'),
    jurisdiction, contractor, lcd_id, lcd_source, source."""
    table = pd.read_csv(CURATED / "mac_jurisdictions.csv", dtype=str, keep_default_na=False)
    if table["carrier_prefix"].duplicated().any():
        raise ValueError("mac_jurisdictions.csv: a carrier prefix is listed twice")
    if ((table["lcd_id"] != "") & (table["lcd_source"] == "")).any():
        raise ValueError("mac_jurisdictions.csv: an LCD number without a source")
    by_prefix = table.set_index("carrier_prefix")
    carriers = gpci.groupby("carrier")["state"].agg(lambda s: " ".join(sorted(set(s)))).reset_index()
    rows = []
    for r in carriers.itertuples(index=False):
        prefix = r.carrier[:2]
        if prefix not in by_prefix.index:
            raise ValueError(f"mac_jurisdictions.csv: no jurisdiction for carrier {r.carrier}")
        j = by_prefix.loc[prefix]
        outside = set(r.state.split()) - set(j["states"].split())
        if outside:
            raise ValueError(f"carrier {r.carrier} has localities in {sorted(outside)}, which CMS does not "
                             f"list for jurisdiction {j['jurisdiction']}")
        rows.append({"carrier": r.carrier, "states": r.state, "jurisdiction": j["jurisdiction"],
                     "contractor": j["contractor"], "lcd_id": j["lcd_id"], "lcd_source": j["lcd_source"],
                     "source": f"{j['source']}; carrier from CMS's ZIP to carrier/locality file"})
    return pd.DataFrame(rows)
