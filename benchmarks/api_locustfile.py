"""Locust users for ``benchmarks/api_load.py``: each posts the benchmark's scenarios as fast as answers come.

``API_LOAD_SCENARIOS`` names a JSON file of scenarios (a list of objects); ``API_LOAD_ENDPOINT`` is
``quote`` (one scenario per request) or ``quotes`` (``API_LOAD_ROWS`` scenarios per request).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, constant, task

SCENARIOS = json.loads(Path(os.environ["API_LOAD_SCENARIOS"]).read_text(encoding="utf-8"))
ENDPOINT = os.environ.get("API_LOAD_ENDPOINT", "quote")
ROWS = int(os.environ.get("API_LOAD_ROWS", "50"))


class Clinic(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.turn = itertools.cycle(range(len(SCENARIOS)))

    @task
    def ask(self) -> None:
        i = next(self.turn)
        if ENDPOINT == "quote":
            with self.client.post("/v1/quote", json=SCENARIOS[i], name="/v1/quote", catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"status {r.status_code}")
        else:
            rows = [SCENARIOS[(i + k) % len(SCENARIOS)] for k in range(ROWS)]
            with self.client.post("/v1/quotes", json={"scenarios": rows}, name=f"/v1/quotes ({ROWS} rows)",
                                  catch_response=True) as r:
                if r.status_code != 200 or any(x["status"] != "ok" for x in r.json()["results"]):
                    r.failure(f"status {r.status_code} or a row refused")
