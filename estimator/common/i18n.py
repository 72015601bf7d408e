"""The language of everything the engine says to a patient: English (the source) and Spanish.

The current language is a ``contextvars.ContextVar``: each thread, each asyncio task and each
Streamlit script run has its own, so two patients reading in two languages never mix. Set it for a
block with ``with use("es"): ...`` or for the rest of the current context with ``set_language("es")``.

Marking text:

- ``_("Your deductible is already met.")`` translates now, in the current language;
- ``_("... {amount} ...").format(amount=usd(x))`` for text with numbers: named placeholders, never
  sentences glued from fragments (a translation may need another word order);
- ``ngettext("{n} session", "{n} sessions", n).format(n=n)`` for a count;
- ``N_("...")`` marks English text kept as a module constant or in a table (the field registry) for
  extraction without translating it; translate it where it is shown: ``_(spec.label)``;
- ``L_("...")`` is a lazy string for a module constant that must follow the language of whoever reads
  it: it translates each time it is turned into text (``str()``, an f-string, ``format``).

Catalogues: ``estimator/locale/<lang>/LC_MESSAGES/messages.po``, the English text as msgid. They are
compiled in memory from the ``.po`` file the first time a language is used (no binary ``.mo`` file is
kept in the repository). ``scripts/translations`` extracts the marked text, updates the catalogues
and checks that they compile. Amounts stay US dollars in the US format ($1,234.56) in every language.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import io
import re
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from estimator.common.errors import FieldError, InputError
from estimator.common.shown import show

if TYPE_CHECKING:  # babel.support takes a tenth of a second to import: only L_ needs it
    from babel.support import LazyProxy

#: Language code -> its name in that language (what a language picker shows).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT = "en"
#: The catalogues' folder and domain (as ``pybabel`` names them).
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
#: Keywords ``pybabel extract`` needs beyond its defaults (``_``, ``gettext``, ``ngettext``, ``N_``, ...).
EXTRA_KEYWORDS = {"L_": None}

_current: ContextVar[str] = ContextVar("estimator_language", default=DEFAULT)
_catalogs: dict[str, _gettext.NullTranslations] = {}
_lock = threading.Lock()


def check(lang: object, field: str = "lang") -> str:
    """A supported language code from ``lang`` ('es', ' ES ' -> 'es'), else an InputError naming ``field``
    and the allowed values."""
    code = lang.strip().lower() if isinstance(lang, str) else None
    if code in LANGUAGES:
        return code
    allowed = ", ".join(f"{c} ({name})" for c, name in LANGUAGES.items())
    if isinstance(lang, str) and not lang.strip():
        raise InputError([FieldError(field, f"is empty: give one of {allowed}, or leave it out")])
    raise InputError([FieldError(field, f"'{show(lang)}' is not allowed: one of {allowed}")])


def match(tag: str | None) -> str:
    """The supported language closest to a browser's locale tag ('es-US', 'es_MX' -> 'es'); English
    for anything else (including None). Never raises: for choosing a default, not for checking input."""
    base = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT


def get_language() -> str:
    """The current language code."""
    return _current.get()


def set_language(lang: str) -> str:
    """Set the language for the rest of the current context (thread, task, script run); returns the code.
    An unknown language raises InputError naming ``lang``."""
    code = check(lang)
    _current.set(code)
    return code


@contextlib.contextmanager
def use(lang: str) -> Iterator[str]:
    """``with use("es"): ...``: the language for the block only, restored afterwards."""
    token = _current.set(check(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(lang: str) -> bytes:
    """The ``.mo`` bytes of a language's ``.po`` catalogue (fuzzy entries left out, as gettext does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as f:
        cat = read_po(f, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def translations(lang: str) -> _gettext.NullTranslations:
    """The translations of one language, compiled once per process."""
    if lang == DEFAULT:
        return _gettext.NullTranslations()
    t = _catalogs.get(lang)
    if t is None:
        with _lock:
            t = _catalogs.get(lang)
            if t is None:
                t = _gettext.GNUTranslations(io.BytesIO(compile_catalog(lang)))
                _catalogs[lang] = t
    return t


def gettext(message: str) -> str:
    """``message`` (English) in the current language; itself where no translation exists."""
    if not message:
        return message
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language (format ``{n}`` yourself)."""
    return translations(_current.get()).ngettext(singular, plural, n)


def long_date(d: date, weekday: bool = False) -> str:
    """A date written out in the current language: 'December 10, 2026', '10 de diciembre de 2026'
    (Babel's CLDR long format); with ``weekday``, 'Thursday, December 10, 2026', 'jueves, 10 de
    diciembre de 2026' (the full format)."""
    from babel.dates import format_date

    return format_date(d, format="full" if weekday else "long", locale=_current.get())


def clock_time(t: time | datetime) -> str:
    """A time of day in the current language's way: '9:15 AM' in English, '9:15' in Spanish (CLDR's
    short format; the narrow space CLDR puts before AM/PM written as a plain one, which every PDF font
    has)."""
    from babel.dates import format_time

    return format_time(t, format="short", locale=_current.get()).replace("\u202f", " ")


def numeric_date(d: date) -> str:
    """A date in digits, in the current language's order, day and month in two digits and the year
    in four: '03/05/1960' in English, '05/03/1960' in Spanish (CLDR's yMd pattern, padded: a date of
    birth must not read two ways)."""
    from babel import Locale
    from babel.dates import format_date

    pattern = str(Locale.parse(_current.get()).datetime_skeletons["yMd"].pattern)
    pattern = re.sub(r"y+", "yyyy", re.sub(r"d+", "dd", re.sub(r"M+", "MM", pattern)))
    return format_date(d, format=pattern, locale=_current.get())


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext name
    """Mark English text for extraction without translating it (translate where shown: ``_(text)``)."""
    return message


def L_(message: str) -> LazyProxy:  # noqa: N802 - the conventional gettext name
    """A lazy translation: text that translates in the current language each time it is used
    (``str(x)``, an f-string, ``format``); pass ``str(x)`` where a real ``str`` is required (JSON)."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext
