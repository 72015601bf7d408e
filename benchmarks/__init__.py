"""Benchmarks that need more than the engine: the dashboard's rerun and first-load times.

The engine's own benchmark stays ``python -m estimator.bench``.
"""
