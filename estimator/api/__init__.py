"""The HTTP API (``python -m estimator serve``): the estimator for the systems clinics work in.

- ``app``: the ASGI application, its error handlers and OpenAPI description;
- ``public``: health, fields, quote, quotes (a batch), series, hospitals near a ZIP;
- ``staff``: behind a bearer token: saving a quote, reading the quote log, Good Faith Estimates as FHIR;
- ``bodies``: reading JSON bodies, scenario fields and the language asked for;
- ``schema``: the OpenAPI schemas, from the field registry;
- ``problems``: errors as RFC 9457 problem details; ``guards``: body limit and access log;
- ``replies``: strict JSON and FHIR JSON responses.
"""
