"""Who may use the front-desk pages.

Patient pages are always public. Front-desk pages ask for sign-in when the app is configured for it:

- Streamlit's OIDC login, when ``.streamlit/secrets.toml`` has an ``[auth]`` section (see the README);
- or a staff passcode, ``staff_passcode = "..."`` in the secrets, compared in constant time, with
  failed attempts limited across the whole server (so a passcode cannot be guessed quickly);
- with neither, the front-desk pages are open (a single-user or development install) and say so.

Nothing about patients is logged here.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque

import streamlit as st


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


def _secret(name: str) -> object:
    try:
        return st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError):
        return None
    except Exception:  # noqa: BLE001 - a secrets file that does not parse must not open the pages
        return "unreadable"


def mode() -> str:
    """'oidc', 'passcode' or 'open'."""
    if _secret("auth"):
        return "oidc"
    if _secret("staff_passcode"):
        return "passcode"
    return "open"


def passcode_matches(entered: str, expected: str) -> bool:
    """Constant-time comparison of the passcode (no early exit on the first differing character)."""
    return hmac.compare_digest(entered.encode("utf-8"), str(expected).encode("utf-8"))


def require_staff() -> str:
    """Stop the page unless a staff member is signed in; return the staff member's name for records."""
    m = mode()
    if m == "oidc":
        if not st.user.is_logged_in:
            st.info("The front desk is for clinic staff. Please sign in.")
            st.button("Sign in", on_click=st.login, type="primary", key="staff_login")
            st.stop()
        with st.sidebar:
            st.button("Sign out", on_click=st.logout, key="staff_logout")
        return str(st.user.get("email") or st.user.get("name") or "staff")
    if m == "passcode":
        if not st.session_state.get("staff_name"):
            with st.form("staff_sign_in"):
                st.markdown("**Front desk sign-in**")
                name = st.text_input("Your name or initials", max_chars=60)
                code = st.text_input("Staff passcode", type="password")
                go = st.form_submit_button("Sign in", type="primary")
            if go:
                wait = PASSCODE_FAILURES.wait()
                if wait > 0:
                    st.error(f"Too many failed sign-ins on this server: try again in {math.ceil(wait)} seconds.")
                    st.stop()
                if passcode_matches(code, str(_secret("staff_passcode"))) and name.strip():
                    st.session_state["staff_name"] = name.strip()
                    st.rerun()
                PASSCODE_FAILURES.failed()
                st.error("Sign-in failed: check the passcode, and enter your name or initials.")
            st.stop()
        return st.session_state["staff_name"]
    # Open install: ask who is working, keep it for the session (outside the widget, so it survives pages).
    st.session_state.setdefault("staff_name", "")
    st.session_state["w_staff_name"] = st.session_state["staff_name"]

    def keep() -> None:
        st.session_state["staff_name"] = st.session_state["w_staff_name"].strip()

    st.text_input("Your name or initials (recorded with what you save)", key="w_staff_name", max_chars=60,
                  on_change=keep, help="Sign-in is not configured on this install; see the README to turn it on.")
    return st.session_state["staff_name"]
