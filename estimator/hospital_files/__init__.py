"""Hospitals' own machine-readable standard-charges files (CMS price transparency, 45 CFR 180.50).

``import_files(paths)`` reads files in CMS's templates (CSV tall or wide, JSON; v2.x and v3.0),
keeps the charges for CPT 62320-62323 and adds or replaces each hospital in a local SQLite table
(``store.table_path()``); ``load_hospital_prices()`` returns that table as a DataFrame for pricing.
The command line is ``python -m estimator hospital-prices import|list|remove``.
"""

from estimator.hospital_files.importer import Imported, ImportSummary, import_files, read_file
from estimator.hospital_files.model import CODES, PRICE_COLUMNS, HospitalFile, PriceRow
from estimator.hospital_files.store import (
           FRAME_COLUMNS,
           Hospital,
           list_hospitals,
           load_hospital_prices,
           remove_hospital,
           table_path,
)

__all__ = ["CODES", "FRAME_COLUMNS", "PRICE_COLUMNS", "Hospital", "HospitalFile", "ImportSummary", "Imported",
           "PriceRow", "import_files", "list_hospitals", "load_hospital_prices", "read_file", "remove_hospital",
           "table_path"]
