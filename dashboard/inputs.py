"""The input widgets, drawn from the field definitions in state.py.

Each widget has its own key (``w_<field>``) and copies its value into the field's session key on
change. Streamlit forgets a widget's value when the widget is not drawn; keeping the value under a
separate key means a field hidden for one coverage type keeps what the user typed in it.

Labels, help and choice names are the registry's English, translated where shown (``_(f.label)``);
the widgets' values stay the codes.

Number boxes take any number: a value out of range is kept as typed and explained in words right
under its box (``show_errors`` before the widgets are drawn), rather than refused by the browser
with a message only a mouse can reveal.
"""

from __future__ import annotations

import streamlit as st

from estimator.common.i18n import _
from estimator.inputs.fields import applicable

from . import state
from .safe_text import md
from .state import BY_NAME, Field


def _copy(f: Field) -> None:
    st.session_state[f.key] = st.session_state[f"w_{f.name}"]


_ERRORS = "_field_errors"


def show_errors(errors: list) -> None:
    """Problems to show under their fields in this run (FieldErrors from state.scenario())."""
    st.session_state[_ERRORS] = {e.field: state.describe(e) for e in errors
                                 if e.field in BY_NAME and not state.needs_place(e)}


def _error_under(name: str, where) -> None:  # noqa: ANN001
    msg = st.session_state.get(_ERRORS, {}).get(name)
    if msg:
        where.error(md(msg), icon=":material/error:")


def _choice_names(f: Field):  # noqa: ANN202 - a format_func
    """The choices' names in the current language (the widget's values stay the codes), translated
    now: a format function may be called outside the script run, where another language is current."""
    return {code: _(name) for code, name in f.options.items()}.get


def widget(name: str, where=st, **kwargs) -> object:
    """Draw the widget for a field (in ``where``), with its problem in words under it; return its value."""
    f = BY_NAME[name]
    wkey = f"w_{name}"
    st.session_state[wkey] = st.session_state.get(f.key, f.default)
    common = {"label": _(f.label), "key": wkey, "help": _(f.help) or None, "on_change": _copy, "args": (f,)}
    if f.kind == "choice":
        opts = list(f.options)
        if kwargs.pop("radio", False):
            where.radio(options=opts, format_func=_choice_names(f), **common, **kwargs)
        else:
            where.selectbox(options=opts, format_func=_choice_names(f), **common, **kwargs)
    elif f.kind == "text":
        where.text_input(**common, **kwargs)
    elif f.kind == "flag":
        where.checkbox(**common, **kwargs)
    elif f.kind == "int":
        where.number_input(step=1, **common, **kwargs)
    else:
        where.number_input(step=5.0 if f.kind == "percent" else 50.0, placeholder=_("not entered"), **common,
                           **kwargs)
    _error_under(name, where)
    return st.session_state[f.key]


def place_inputs(states: list[str]) -> None:
    """ZIP code or state."""
    c1, c2 = st.columns([3, 2])
    with c1:
        widget("zip", placeholder=_("e.g. {zip}").format(zip="35203"))
    f = BY_NAME["state"]
    f_opts = ["", *states]
    wkey = "w_state"
    st.session_state[wkey] = st.session_state.get(f.key, "") if st.session_state.get(f.key, "") in f_opts else ""
    c2.selectbox(_(f.label), f_opts, key=wkey, help=_(f.help), on_change=_copy, args=(f,),
                 format_func=lambda s: s or "-")
    _error_under("state", c2)


def visit_inputs(compare_option: bool = True) -> None:
    """Site, sedation and imaging."""
    f = BY_NAME["site"]
    wkey = "w_site"
    st.session_state[wkey] = st.session_state.get(f.key, f.default)
    if not compare_option and st.session_state[wkey] == state.COMPARE:
        st.session_state[wkey] = "asc"  # shown as the surgery center (state.scenario prices it so); kept as chosen
    opts = [k for k in f.options if compare_option or k != state.COMPARE]
    st.radio(_(f.label), opts, format_func=_choice_names(f), key=wkey, help=_(f.help), on_change=_copy,
             args=(f,))
    widget("sedation")  # full width: its choices are long
    widget("imaging")


def insurance_inputs() -> None:
    """Coverage and the plan benefits that apply to it (fields.applicable decides which)."""
    coverage = widget("coverage")
    use = applicable(coverage)
    if "network" in use:
        c1, c2 = st.columns(2)
        with c1:
            widget("network", radio=True)
        with c2:
            widget("plan_type")
    if coverage == "self_pay":
        st.caption(_("Paying yourself: the estimate uses cash prices. You have the right to a written Good Faith "
                     "Estimate from each provider."))
        return
    if coverage == "medicare":
        c1, c2 = st.columns(2)
        with c1:
            widget("deductible_met")
        with c2:
            widget("medigap")
        widget("medicare_provider")
        widget("prior_sessions")
        widget("qmb")
        st.caption(_("Original Medicare: the Part B deductible, then 20% coinsurance. There is no yearly maximum "
                     "without a Medigap or other supplemental plan."))
        return
    left = [n for n in ("deductible", "copay", "oop_max") if n in use]
    right = [n for n in ("deductible_met", "coinsurance", "oop_met") if n in use]
    c1, c2 = st.columns(2)
    with c1:
        for name in left:
            widget(name)
    with c2:
        for name in right:
            widget(name)
    if "prior_sessions" in use:
        widget("prior_sessions")


def more_inputs() -> None:
    """Less common options, folded away."""
    with st.expander(_("More options")):
        c1, c2 = st.columns(2)
        with c1:
            widget("year")
            widget("sedation_minutes")
        with c2:
            widget("code")
            widget("anesthesia_minutes")
        use = applicable(st.session_state.get(BY_NAME["coverage"].key, "commercial"))
        if "anesthesia_network" in use:
            widget("anesthesia_network")
        if st.session_state.get(BY_NAME["coverage"].key) == "commercial":  # only commercial rates are named
            widget("payer", placeholder=_("e.g. {payer}").format(payer="Aetna"))
        c1, c2 = st.columns(2)
        for col, name in zip((c1, c2), ("copay_timing", "coinsurance_base")):
            if name in use:
                with col:
                    widget(name)
        c1, c2 = st.columns(2)
        for col, name in zip((c1, c2), ("hdhp", "grandfathered")):
            if name in use:
                with col:
                    widget(name)
