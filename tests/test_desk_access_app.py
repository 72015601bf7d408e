"""Who reaches the front desk (AppTest with secrets and the environment): closed unless configured."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import access
from dashboard.access import PASSCODE_FAILURES
from dashboard.safe_text import shown

from .conftest import ROOT
from .test_front_desk_app import open_page

APP = str(ROOT / "app.py")
GOOD_AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s3cret-cookie-value-0123456789",
             "client_id": "desk-client", "client_secret": "client-secret-value",
             "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
DESK_PAGES = ["app_pages/front_desk.py", "app_pages/quote_log.py", "app_pages/batch_quotes.py",
              "app_pages/clinic_prices.py"]


@pytest.fixture(autouse=True)
def fresh(tmp_path, monkeypatch):
    PASSCODE_FAILURES.reset()
    monkeypatch.setenv("ESTIMATOR_DB_PATH", str(tmp_path / "quotes.sqlite3"))
    monkeypatch.delenv("ESTIMATOR_FRONT_DESK", raising=False)
    yield
    PASSCODE_FAILURES.reset()


def closed_reason(at: AppTest) -> str:
    assert not any(b.label in ("Quote", "Sign in") for b in at.button), "the desk is usable"
    assert not at.text_input and not at.get("file_uploader") and not at.dataframe
    [warning] = [shown(w.value) for w in at.warning]
    return warning


@pytest.mark.parametrize("page", DESK_PAGES)
def test_every_desk_page_is_closed_by_default_and_says_how_to_open_it(page):
    reason = closed_reason(open_page(page))
    assert "sign-in is not configured" in reason
    assert "ESTIMATOR_FRONT_DESK=open" in reason and "staff_passcode" in reason and "[auth]" in reason


def test_the_patient_pages_stay_public_when_the_desk_is_closed():
    at = open_page("app_pages/estimate.py")
    assert any(t.value.startswith("What will my") for t in at.title) and not at.warning


def test_open_mode_comes_only_from_the_exact_setting(monkeypatch):
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")
    at = open_page("app_pages/front_desk.py")
    assert any(b.label == "Quote" for b in at.button) and at.text_input(key="w_staff_name")
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "yes")
    reason = closed_reason(open_page("app_pages/front_desk.py"))
    assert "only to 'open'" in reason


def test_a_good_passcode_asks_for_sign_in_even_when_the_desk_is_set_open(monkeypatch):
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")  # configured sign-in wins
    at = open_page("app_pages/quote_log.py", secrets={"staff_passcode": "correct horse"})
    assert any("Front desk sign-in" in m.value for m in at.markdown)
    assert not any(b.label == "Quote" for b in at.button) and not at.dataframe


@pytest.mark.parametrize("passcode, why", [
    ("", "empty or a placeholder"), ("0", "empty or a placeholder"), ("false", "empty or a placeholder"),
    ("  FALSE ", "empty or a placeholder"), ("short7!", "shorter than 8 characters"), (0, "not text"),
    (False, "not text"),
])
def test_a_misconfigured_passcode_keeps_the_desk_closed_without_showing_it(passcode, why, monkeypatch):
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", "open")  # a broken sign-in never falls back to open
    reason = closed_reason(open_page("app_pages/front_desk.py", secrets={"staff_passcode": passcode}))
    assert why in reason and "staff_passcode" in reason
    if isinstance(passcode, str) and passcode.strip():
        assert passcode.strip() not in reason.replace("staff_passcode", "")


def test_a_complete_oidc_section_shows_the_sign_in_button():
    at = open_page("app_pages/front_desk.py", secrets={"auth": GOOD_AUTH})
    assert any("Please sign in" in i.value for i in at.info)
    assert [b.label for b in at.button] == ["Sign in"] and not at.text_input


@pytest.mark.parametrize("auth, why", [
    ({}, "is empty"),
    ({k: v for k, v in GOOD_AUTH.items() if k != "client_secret"}, "lacks client_secret"),
    ({**GOOD_AUTH, "cookie_secret": "", "client_id": " "}, "lacks cookie_secret, client_id"),
    ({**GOOD_AUTH, "redirect_uri": "http://127.0.0.1:8501/callback"}, "must end with /oauth2callback"),
    ({**GOOD_AUTH, "cookie_secret": "tiny-cookie"}, "cookie_secret is shorter than 16"),
    ({**GOOD_AUTH, "server_metadata_url": "ftp://x"}, "server_metadata_url is not a web address"),
])
def test_a_broken_oidc_section_keeps_the_desk_closed_and_says_why(auth, why):
    reason = closed_reason(open_page("app_pages/front_desk.py",
                                     secrets={"auth": auth, "staff_passcode": "correct horse"}))
    assert why in reason
    for secret in ("client-secret-value", "s3cret-cookie", "correct horse", "tiny-cookie"):
        assert secret not in reason


def test_signed_in_follows_the_mode(monkeypatch):
    assert access.desk_access().mode == "closed"
    monkeypatch.setenv("ESTIMATOR_FRONT_DESK", " Open ")
    assert access.desk_access() == access.DeskAccess("open")
    assert access.passcode_problem("a long passphrase") == "" and access.auth_problem(GOOD_AUTH) == ""
