"""Who may use the front-desk pages: closed unless the operator says how staff sign in.

Patient pages are always public. The front-desk pages (quote, quote log, batch quotes, clinic
prices) are open only in one of three ways, checked in this order:

- Streamlit's OIDC login, when ``.streamlit/secrets.toml`` has an ``[auth]`` section with every key
  ``st.login()`` needs (``REQUIRED_AUTH_KEYS``; ``redirect_uri`` ending in ``/oauth2callback``, a
  ``cookie_secret`` of at least ``MIN_COOKIE_SECRET`` characters);
- a staff passcode, ``staff_passcode = "..."`` in the secrets (at least ``MIN_PASSCODE`` characters,
  not a placeholder such as ``"false"``), compared in constant time, with failed attempts limited
  across the whole server (so a passcode cannot be guessed quickly);
- neither, but the environment variable ``ESTIMATOR_FRONT_DESK=open``: a single-user install, where
  the pages ask who is working.

Anything else - no configuration, an ``[auth]`` section that lacks a key, a passcode that is too
short, a secrets file that does not parse - keeps the pages closed, and :func:`desk_access` says
why in words (never showing a secret). A section that is present but broken never falls back to a
weaker way in. Nothing about patients is logged here.
"""

from __future__ import annotations

import hmac
import math
import os
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from dashboard.safe_text import md
from estimator.common.i18n import _

#: The environment variable that opens the front desk without sign-in, and its one opening value.
OPEN_ENV = "ESTIMATOR_FRONT_DESK"
OPEN_VALUE = "open"
#: The ``[auth]`` keys Streamlit's default OIDC provider needs (st.login() with no provider name).
REQUIRED_AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
MIN_PASSCODE = 8
MIN_COOKIE_SECRET = 16
#: Passcodes that are placeholders or switches, not secrets (compared case-insensitively, trimmed).
PLACEHOLDER_PASSCODES = frozenset({"0", "1", "false", "true", "no", "yes", "off", "on", "none", "null",
                                   "password", "passcode", "changeme", "change me", "secret", "12345678"})

Mode = Literal["oidc", "passcode", "open", "closed"]


@dataclass(frozen=True)
class DeskAccess:
    """How the front desk is reached on this install.

    ``mode`` is 'oidc', 'passcode', 'open' or 'closed'; ``reason`` says in words why it is closed
    and how to open it (empty otherwise). It names keys and settings, never their values.
    """

    mode: Mode
    reason: str = ""


class FailureThrottle:
    """Failed sign-ins across the server: after ``limit`` failures within ``window`` seconds, no
    attempt is checked until the oldest of them is ``window`` seconds old.

    Server-wide rather than per connection, because a new browser session costs an attacker
    nothing; the price is that an attack can hold real staff off for up to a minute.
    """

    def __init__(self, limit: int = 5, window: float = 60.0):
        self.limit, self.window = limit, window
        self._failures: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self, now: float | None = None) -> float:
        """Seconds until an attempt may be checked (0 if it may be now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._failures and now - self._failures[0] >= self.window:
                self._failures.popleft()
            return self.window - (now - self._failures[0]) if len(self._failures) >= self.limit else 0.0

    def failed(self, now: float | None = None) -> None:
        with self._lock:
            self._failures.append(time.monotonic() if now is None else now)

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()


PASSCODE_FAILURES = FailureThrottle()
_UNREADABLE = object()


def _closed(problem: str) -> DeskAccess:
    """The desk closed for ``problem`` (words in the current language), with how to open it."""
    return DeskAccess("closed", _("The front desk is closed: {problem}.").format(problem=problem) + " " + _(
        "To open it, configure sign-in in .streamlit/secrets.toml (an [auth] section for your OpenID Connect "
        "provider, or a staff_passcode of at least {length} characters), or, for a single-user install on this "
        "computer, start the app with {setting}. See the README.").format(length=MIN_PASSCODE,
                                                                      setting=f"{OPEN_ENV}={OPEN_VALUE}"))


def _secret(name: str) -> object:
    """A top-level secret, None when absent, ``_UNREADABLE`` when the secrets file does not parse."""
    try:
        return st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError):
        return None
    except Exception:  # noqa: BLE001 - a secrets file that does not parse must not open the pages
        return _UNREADABLE


def auth_problem(auth: object) -> str:
    """What keeps an ``[auth]`` section from working, in words ('' when it is complete)."""
    if not isinstance(auth, Mapping) or not auth:
        return _("the [auth] section in the secrets is empty")
    missing = [k for k in REQUIRED_AUTH_KEYS if not isinstance(auth.get(k), str) or not auth.get(k).strip()]
    if missing:
        return _("the [auth] section in the secrets lacks {keys}").format(keys=", ".join(missing))
    if not str(auth["redirect_uri"]).strip().endswith("/oauth2callback"):
        return _("the [auth] redirect_uri must end with /oauth2callback")
    if len(str(auth["cookie_secret"]).strip()) < MIN_COOKIE_SECRET:
        return _("the [auth] cookie_secret is shorter than {length} characters").format(length=MIN_COOKIE_SECRET)
    if not str(auth["server_metadata_url"]).strip().startswith(("https://", "http://")):
        return _("the [auth] server_metadata_url is not a web address")
    return ""


def passcode_problem(passcode: object) -> str:
    """What makes ``staff_passcode`` unusable, in words ('' when it will do). Never shows the value."""
    if not isinstance(passcode, str):
        return _("staff_passcode in the secrets is not text (put it in quotes)")
    p = passcode.strip()
    if p.lower() in PLACEHOLDER_PASSCODES or not p:
        return _("staff_passcode in the secrets is empty or a placeholder, not a passcode")
    if len(p) < MIN_PASSCODE:
        return _("staff_passcode in the secrets is shorter than {length} characters").format(length=MIN_PASSCODE)
    return ""


def desk_access() -> DeskAccess:
    """How the front desk is reached (see the module's docstring for the order and the rules)."""
    auth, passcode = _secret("auth"), _secret("staff_passcode")
    if auth is _UNREADABLE or passcode is _UNREADABLE:
        return _closed(_("the secrets file could not be read"))
    if auth is not None:
        problem = auth_problem(auth)
        return _closed(problem) if problem else DeskAccess("oidc")
    if passcode is not None:
        problem = passcode_problem(passcode)
        return _closed(problem) if problem else DeskAccess("passcode")
    env = os.environ.get(OPEN_ENV, "").strip()
    if env.lower() == OPEN_VALUE:
        return DeskAccess("open")
    if env:
        return _closed(_("{setting} is set, but only to '{value}' does it open the desk").format(
            setting=OPEN_ENV, value=OPEN_VALUE))
    return _closed(_("sign-in is not configured on this install"))


def mode() -> Mode:
    """'oidc', 'passcode', 'open' or 'closed'."""
    return desk_access().mode


def signed_in(access: DeskAccess | None = None) -> bool:
    """Whether this visitor may see the front desk now: an open desk, or a signed-in staff member."""
    m = (access or desk_access()).mode
    if m == "open":
        return True
    if m == "oidc":
        try:
            return bool(st.user.is_logged_in)
        except Exception:  # noqa: BLE001 - no user information (e.g. no auth cookie support): not signed in
            return False
    if m == "passcode":
        return bool(st.session_state.get("staff_name"))
    return False


def passcode_matches(entered: str, expected: str) -> bool:
    """Constant-time comparison of the passcode (no early exit on the first differing character)."""
    return hmac.compare_digest(entered.encode("utf-8"), str(expected).encode("utf-8"))


def require_staff() -> str:
    """Stop the page unless a staff member is signed in; return the staff member's name for records."""
    access = desk_access()
    if access.mode == "closed":
        st.title(_("Front desk"))
        st.warning(md(access.reason), icon=":material/lock:")
        st.stop()
    if access.mode == "oidc":
        if not signed_in(access):
            st.title(_("Front desk"))
            st.info(_("The front desk is for clinic staff. Please sign in."))
            st.button(_("Sign in"), on_click=st.login, type="primary", key="staff_login")
            st.stop()
        with st.sidebar:
            st.button(_("Sign out"), on_click=st.logout, key="staff_logout")
        return str(st.user.get("email") or st.user.get("name") or "staff")
    if access.mode == "passcode":
        if not st.session_state.get("staff_name"):
            st.title(_("Front desk"))
            with st.form("staff_sign_in"):
                st.markdown("**" + _("Front desk sign-in") + "**")
                name = st.text_input(_("Your name or initials"), max_chars=60)
                code = st.text_input(_("Staff passcode"), type="password")
                go = st.form_submit_button(_("Sign in"), type="primary")
            if go:
                wait = PASSCODE_FAILURES.wait()
                if wait > 0:
                    st.error(_("Too many failed sign-ins on this server: try again in {seconds} seconds.").format(
                        seconds=math.ceil(wait)))
                    st.stop()
                if passcode_matches(code, str(_secret("staff_passcode")).strip()) and name.strip():
                    st.session_state["staff_name"] = name.strip()
                    st.rerun(scope="app")
                PASSCODE_FAILURES.failed()
                st.error(_("Sign-in failed: check the passcode, and enter your name or initials."))
            st.stop()
        return st.session_state["staff_name"]
    # Open install: ask who is working, keep it for the session (outside the widget, so it survives pages).
    st.session_state.setdefault("staff_name", "")
    st.session_state["w_staff_name"] = st.session_state["staff_name"]

    def keep() -> None:
        st.session_state["staff_name"] = st.session_state["w_staff_name"].strip()

    st.text_input(_("Your name or initials (recorded with what you save)"), key="w_staff_name", max_chars=60,
                  on_change=keep, help=_("Sign-in is not configured: {setting} opens the front desk to anyone who can "
                                         "reach this server. See the README to turn sign-in on.").format(
                      setting=f"{OPEN_ENV}={OPEN_VALUE}"))
    return st.session_state["staff_name"]
