"""The quote log's schema migrations (Alembic), run by ``python -m estimator log init``."""
