"""Dashboard timings: ``python -m benchmarks.dashboard_bench`` (or ``python benchmarks/dashboard_bench.py``).

- rerun: server script time for a changed input, measured with Streamlit's AppTest (an upper
  bound: it includes AppTest's own bookkeeping), median and 95th percentile over many changes;
- first load: time from opening the landing page in Chromium (a real ``streamlit run`` server)
  until the headline is on screen, median of several fresh browser contexts.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a file: the project's packages (estimator, tests) are importable
    sys.path.insert(0, str(ROOT))


def rerun_times(n: int = 40) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"zip": "35203", "site": "hopd", "sedation": "anesthesia", "coinsurance": "20"})
    at.run()
    times = []
    for i in range(n):
        at.number_input(key="w_deductible").set_value(float(500 + 100 * (i % 7)))
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
    return {"rerun_median_ms": float(np.median(times) * 1e3), "rerun_p95_ms": float(np.percentile(times, 95) * 1e3)}


def first_load_times(n: int = 5) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.e2e_server import CHROMIUM_ARGS, chromium_path, streamlit_server

    times = []
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for i in range(n + 1):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            t = time.perf_counter()
            page.goto(f"{url}/?zip=35203&coinsurance=20")
            page.get_by_role("heading", name=re.compile("You would likely pay")).wait_for(timeout=60_000)
            if i:  # the first load warms the server's process (tables loaded once per process)
                times.append(time.perf_counter() - t)
            ctx.close()
        browser.close()
    return {"first_load_median_s": float(np.median(times)), "first_load_max_s": float(np.max(times))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.dashboard_bench", description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-browser", action="store_true", help="skip the Chromium first-load timing")
    args = p.parse_args(argv)
    r = rerun_times()
    if not args.no_browser:
        r.update(first_load_times())
    if args.json:
        print(json.dumps(r, indent=2))
        return 0
    print(f"dashboard rerun after an input change: median {r['rerun_median_ms']:.0f} ms, "
          f"p95 {r['rerun_p95_ms']:.0f} ms (AppTest, upper bound of script time)")
    if "first_load_median_s" in r:
        print(f"landing page interactive (headline shown) in Chromium: median {r['first_load_median_s']:.2f} s, "
              f"worst {r['first_load_max_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
