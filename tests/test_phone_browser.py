"""Phone first, in a real Chromium: where things are on the screen after each action, at 375x667 (a
small phone, touch) and 1280x800 (a laptop). Position assertions, plus screenshots in artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from estimator.common.money import usd
from estimator.quote import quote
from estimator.scenario import Scenario

from .conftest import ROOT
from .e2e_server import block_non_local, streamlit_server

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "artifacts"
TIMEOUT = 45_000
PHONE = {"viewport": {"width": 375, "height": 667}, "has_touch": True, "is_mobile": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(**PHONE)
    pg = ctx.new_page()
    pg.blocked = []
    block_non_local(pg, pg.blocked)
    yield pg
    assert pg.blocked == []
    ctx.close()


def in_view(box: dict | None, height: int) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / name))


def test_after_typing_a_zip_on_a_phone_the_estimate_is_in_view(server, phone):
    phone.goto(f"{server}/?site=asc&coverage=commercial&deductible=1500&coinsurance=20")
    box = phone.get_by_role("textbox", name="ZIP code")
    box.fill("35203")
    box.press("Enter")
    want = usd(quote(Scenario(zip="35203", site="asc", coverage="commercial", deductible=1500, coinsurance=20))
               .patient_pays["typical"], cents=False)
    bar = phone.locator(".st-key-summary_bar")
    expect(bar).to_contain_text(f"You would likely pay {want}", timeout=TIMEOUT)
    assert in_view(bar.bounding_box(), 667)
    assert in_view(box.bounding_box(), 667)  # and the box the patient typed in is still there
    shot(phone, "phone-375-after-zip.png")
    # Scrolled down to the insurance questions, the estimate stays at the top of the screen.
    field = phone.get_by_role("spinbutton", name="Yearly deductible ($)")
    field.scroll_into_view_if_needed()
    field.fill("900")
    field.press("Enter")
    want = usd(quote(Scenario(zip="35203", site="asc", coverage="commercial", deductible=900, coinsurance=20))
               .patient_pays["typical"], cents=False)
    expect(bar).to_contain_text(f"You would likely pay {want}", timeout=TIMEOUT)
    assert in_view(bar.bounding_box(), 667) and in_view(field.bounding_box(), 667)
    shot(phone, "phone-375-scrolled.png")


@pytest.mark.parametrize("name, value, words", [("Yearly deductible ($)", "-5", "from 0 to"),
                                                ("Coinsurance (%)", "150", "from 0 to 100")])
def test_a_bad_number_is_explained_next_to_its_field_without_hover(server, phone, name, value, words):
    phone.goto(f"{server}/?zip=35203&coverage=commercial&deductible=1500&coinsurance=20")
    bar = phone.locator(".st-key-summary_bar")
    expect(bar).to_contain_text("You would likely pay", timeout=TIMEOUT)
    field = phone.get_by_role("spinbutton", name=name)
    field.scroll_into_view_if_needed()
    field.fill(value)
    field.press("Enter")
    label = name.split(" (")[0]
    alert = phone.locator("[data-testid='stAlert']").filter(has_text=re.compile(f"{re.escape(label)}.*{words}"))
    expect(alert.first).to_be_visible(timeout=TIMEOUT)
    fb, ab = field.bounding_box(), alert.first.bounding_box()
    assert 0 <= ab["y"] - (fb["y"] + fb["height"]) < 40, (fb, ab)  # right under the field
    assert in_view(ab, 667)
    expect(bar).to_contain_text("Check your entries", timeout=TIMEOUT)  # the old figure is not kept
    assert in_view(bar.bounding_box(), 667)
    expect(field).to_have_value(re.compile(re.escape(value)))  # what the patient typed is kept
    # The other entries are kept too: the ZIP and the other benefit are unchanged.
    expect(phone.get_by_role("textbox", name="ZIP code")).to_have_value("35203")
    if name.startswith("Yearly"):
        shot(phone, "phone-375-bad-deductible.png")


def test_no_chart_toolbar_and_no_sideways_scroll_on_a_phone(server, phone):
    phone.goto(f"{server}/?zip=35203&coverage=commercial")
    expect(phone.locator(".js-plotly-plot")).to_have_count(3, timeout=TIMEOUT)
    expect(phone.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=TIMEOUT)
    assert phone.locator(".modebar-container .modebar").count() == 0
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1


def test_the_menu_leaves_nothing_open_over_the_page(server, phone):
    phone.goto(f"{server}/?zip=35203")
    expect(phone.locator(".st-key-summary_bar")).to_contain_text("You would likely pay", timeout=TIMEOUT)
    phone.get_by_role("link", name="Prices near you").click()
    title = phone.get_by_role("heading", name="Prices near you", exact=True)
    expect(title).to_be_visible(timeout=TIMEOUT)
    assert in_view(title.bounding_box(), 667)
    assert phone.locator("[data-testid='stSidebar'][aria-expanded='true']").count() == 0
    expect(phone.locator(".js-plotly-plot .choroplethlocation").first).to_be_attached(timeout=TIMEOUT)
    map_box = phone.locator(".js-plotly-plot").first.bounding_box()
    assert map_box["width"] >= 340  # the map takes the phone's width; its colour scale lies under it
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    shot(phone, "phone-375-prices.png")


def test_on_a_laptop_the_headline_is_in_view_after_typing_a_zip(server, browser):
    ctx = browser.new_context(**LAPTOP)
    pg = ctx.new_page()
    pg.goto(f"{server}/?site=hopd&coverage=self_pay")
    box = pg.get_by_role("textbox", name="ZIP code")
    box.fill("60614")
    box.press("Enter")
    want = usd(quote(Scenario(zip="60614", site="hopd", coverage="self_pay")).patient_pays["typical"], cents=False)
    head = pg.get_by_role("heading", name=f"You would likely pay {want}")
    expect(head).to_be_visible(timeout=TIMEOUT)
    assert in_view(head.bounding_box(), 800)
    expect(pg.locator(".st-key-summary_bar")).to_be_hidden()  # the headline itself is in view
    shot(pg, "laptop-1280-after-zip.png")
    ctx.close()


def test_opening_the_series_planner_draws_its_chart(server, phone):
    phone.goto(f"{server}/?zip=35203&site=asc&coverage=commercial&deductible=1500&coinsurance=20")
    expect(phone.locator(".js-plotly-plot")).to_have_count(3, timeout=TIMEOUT)
    phone.get_by_text("Planning more than one injection?").click()
    expect(phone.locator(".js-plotly-plot")).to_have_count(4, timeout=TIMEOUT)
    expect(phone.locator("strong", has_text=re.compile(r"In all you would likely pay \$[\d,]+"))).to_be_visible(
        timeout=TIMEOUT)


def test_hospitals_near_you_are_one_card_each_on_a_phone(server, phone):
    """At 375 px each hospital is a card (name, distance, what the patient would pay, the cash price, a
    button to choose it) inside the screen's width; the wide table is not shown."""
    phone.goto(f"{server}/?zip=36301&coverage=self_pay")
    cards = phone.locator("[class*='st-key-hospitals_card_']")
    expect(cards.first).to_be_visible(timeout=TIMEOUT)
    expect(phone.locator("[class*='_hosp_wide']")).to_be_hidden()
    first = cards.first
    for words in ("Southeast Health Medical Center", "miles", "You would likely pay", "Cash price: $470"):
        expect(first).to_contain_text(words)
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    first.scroll_into_view_if_needed()
    shot(phone, "phone-375-hospital-cards.png")
    bar = phone.locator(".st-key-summary_bar").bounding_box()
    card = first.bounding_box()
    assert bar is None or card["y"] >= bar["y"] + bar["height"] - 1 or card["y"] + card["height"] <= bar["y"]
    first.get_by_role("button", name="Price my visit here").click()
    phone.wait_for_url(re.compile(r"hospital=010001"), timeout=TIMEOUT)


def test_on_a_laptop_the_hospitals_are_a_table(server, browser):
    ctx = browser.new_context(**LAPTOP)
    pg = ctx.new_page()
    pg.goto(f"{server}/?zip=36301&coverage=self_pay")
    expect(pg.locator("[class*='_hosp_wide'] [data-testid='stDataFrame']")).to_be_visible(timeout=TIMEOUT)
    expect(pg.locator("[class*='st-key-hospitals_card_']").first).to_be_hidden()
    ctx.close()


def test_the_summary_bar_never_covers_what_is_scrolled_into_view(server, phone):
    """Scrolled to the site chart (its amount labels), the labels sit below the sticky bar, and the
    header above the bar is opaque, so no half-hidden text shows through above it."""
    phone.goto(f"{server}/?zip=35203&coverage=commercial&deductible=1500&coinsurance=20")
    labels = phone.locator(".js-plotly-plot").first.locator("text", has_text="$")
    expect(labels.first).to_be_visible(timeout=TIMEOUT)
    phone.wait_for_timeout(500)
    phone.locator(".js-plotly-plot").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    phone.wait_for_timeout(400)
    bar = phone.locator(".st-key-summary_bar").bounding_box()
    assert bar is not None and bar["height"] > 0
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box["y"] >= bar["y"] + bar["height"] - 1, f"label {i} under the bar"
    header = phone.locator("header[data-testid='stHeader']").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header in ("rgb(255, 255, 255)", "rgba(255, 255, 255, 1)")
    shot(phone, "phone-375-site-chart-under-bar.png")
