"""End to end in a real Chromium against ``streamlit run``: what a patient sees and can download."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from pypdf import PdfReader

from estimator.common.money import usd
from estimator.quote import quote
from estimator.scenario import Scenario

from .conftest import ROOT
from .e2e_server import block_non_local, streamlit_server

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "artifacts"
HEADLINE = re.compile(r"You would likely pay \$[\d,]+")
TIMEOUT = 45_000


@pytest.fixture(scope="module")
def server():
    # The front desk open (a single-user install), so its form is checked too.
    with streamlit_server({**os.environ, "ESTIMATOR_FRONT_DESK": "open"}) as url:
        yield url


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    pg = ctx.new_page()
    blocked: list[str] = []
    block_non_local(pg, blocked)
    pg.blocked = blocked
    yield pg
    ctx.close()


def headline_text(page) -> str:
    h = page.get_by_role("heading", name=HEADLINE)
    expect(h).to_be_visible(timeout=TIMEOUT)
    return HEADLINE.search(h.inner_text()).group(0)


def expected(**kw) -> str:
    return f"You would likely pay {usd(quote(Scenario(**kw)).patient_pays['typical'], cents=False)}"


def test_landing_page_change_inputs_and_see_the_headline_change(server, page):
    page.goto(f"{server}/?zip=35203&site=asc&coinsurance=20")
    assert headline_text(page) == expected(zip="35203", site="asc", coinsurance=20)
    box = page.get_by_role("spinbutton", name="Yearly deductible ($)")
    box.fill("900")
    box.press("Enter")
    want = expected(zip="35203", site="asc", coinsurance=20, deductible=900)
    expect(page.get_by_role("heading", name=want)).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"deductible=900"), timeout=TIMEOUT)
    assert page.blocked == []


def test_shared_url_reopens_the_same_result(server, page, browser):
    page.goto(f"{server}/?zip=60612&coverage=medicare&site=hopd&sedation=anesthesia&year=2025")
    first = headline_text(page)
    other = browser.new_context().new_page()
    other.goto(page.url)
    expect(other.get_by_role("heading", name=first)).to_be_visible(timeout=TIMEOUT)
    assert first == expected(zip="60612", coverage="medicare", site="hopd", sedation="anesthesia", year=2025)
    other.context.close()


def test_pdf_download_is_a_valid_pdf_with_the_same_amount(server, page):
    page.goto(f"{server}/?zip=35203&site=office&coverage=self_pay")
    amount = headline_text(page).split("pay ")[1]
    with page.expect_download(timeout=TIMEOUT) as d:
        page.get_by_role("button", name=re.compile("one-page summary")).click()
    blob = Path(d.value.path()).read_bytes()
    assert blob.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(blob))
    assert len(reader.pages) == 1
    assert f"You would likely pay {amount}" in reader.pages[0].extract_text()


def test_map_draws_every_state_with_all_outside_requests_blocked(server, page):
    page.goto(f"{server}/prices?zip=35203")
    expect(page.locator(".js-plotly-plot .choroplethlocation").first).to_be_attached(timeout=TIMEOUT)
    page.wait_for_timeout(500)
    drawn = page.locator(".js-plotly-plot .choroplethlocation").count()
    assert drawn >= 51  # 50 states and DC (territories lie outside the US map's projection)
    assert page.blocked == []


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_at_phone_and_desktop_width(server, browser, width):
    ctx = browser.new_context(viewport={"width": width, "height": 5200 if width == 375 else 3600})
    pg = ctx.new_page()
    blocked: list[str] = []
    block_non_local(pg, blocked)
    pg.goto(f"{server}/?zip=35203&coverage=commercial&deductible=1500&coinsurance=20")
    headline_text(pg)
    # Everything drawn before the picture: no placeholders left, and the three charts (by site, the
    # bills, how the share builds up; the series planner's is drawn only once its panel is opened)
    # rendered from the locally served plotly bundle.
    expect(pg.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=TIMEOUT)
    expect(pg.locator(".js-plotly-plot")).to_have_count(3, timeout=TIMEOUT)
    expect(pg.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=TIMEOUT)
    pg.wait_for_timeout(500)  # let plotly finish its transitions
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"estimate-{width}px.png"))
    # Nothing wider than the screen: the page must not scroll sideways on a phone.
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    assert blocked == []
    ctx.close()


@pytest.mark.parametrize("path", ["/?zip=35203&coverage=medicare", "/prices?zip=35203", "/about", "/methods",
                                  "/desk", "/?zip=35203&coverage=medicare&lang=es", "/prices?zip=35203&lang=es",
                                  "/desk?lang=es"])
@pytest.mark.parametrize("width", [375, 1280])
def test_pages_pass_automated_accessibility_checks(server, browser, path, width):
    """axe-core's WCAG 2 A/AA rules (labels, contrast, headings, alt text, landmarks...): no violations.

    Streamlit's own page-navigation list (shown in the side menu on a phone) is left out: its markup
    belongs to the framework, not to this app.
    """
    ctx = browser.new_context(viewport={"width": width, "height": 1000})
    pg = ctx.new_page()
    blocked: list[str] = []
    block_non_local(pg, blocked)
    pg.goto(server + path)
    expect(pg.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    expect(pg.locator("[data-testid='stSkeleton']")).to_have_count(0, timeout=TIMEOUT)
    pg.wait_for_timeout(1000)
    result = Axe().run(pg, context={"exclude": [["[data-testid='stSidebarNav']"]]},
                       options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}})
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
                for v in result.response["violations"]]
    assert problems == []
    assert blocked == []
    ctx.close()


@pytest.mark.parametrize(("path", "lang"), [("/?zip=35203&coverage=medicare&lang=es", "es"),
                                            ("/prices?zip=35203&lang=es", "es"), ("/about?lang=es", "es"),
                                            ("/?zip=35203&coverage=medicare", "en"), ("/desk?lang=es", "es"),
                                            ("/desk", "en")])
def test_the_document_declares_the_language_it_is_written_in(server, page, path, lang):
    """Screen readers pronounce by the document's lang: Spanish pages say es, the front desk's too."""
    page.goto(server + path)
    expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_function(f"document.documentElement.lang === '{lang}'", timeout=TIMEOUT)
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.blocked == []
