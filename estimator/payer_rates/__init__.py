"""Insurers' Transparency in Coverage (TiC) in-network rate files: read as streams, only this
project's codes kept (tic_file.py), gathered from files, URL lists and tables of contents
(sources.py), imported file by file in this process or on Dask (importer.py), and turned into a
clinic's contracted price list (clinic_export.py) or payer bands (bands.py); outputs replace earlier
ones whole or not at all (atomic.py)."""
