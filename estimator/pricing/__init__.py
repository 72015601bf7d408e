"""The pricing pipeline: encoded scenarios in, prices and the patient/plan split out (see pipeline.py)."""
