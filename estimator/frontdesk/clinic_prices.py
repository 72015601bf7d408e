"""The clinic's own prices: contracted allowed amounts per payer and bill, and its cash prices.

A price list is a CSV with columns ``payer, coverage, site, code, component, amount`` (and an
optional ``note``). ``payer`` is the payer's name as the clinic writes it, or ``*`` for any payer
of that coverage; cash prices use coverage ``self_pay``. ``site`` and ``code`` may be ``*``. Where a
row applies to a quote it replaces the market estimate for that bill, and the quote names it as
the source. The most specific row wins (exact payer, then site, then code).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from estimator.common.errors import FieldError, InputError
from estimator.common.i18n import _
from estimator.inputs.fields import FIELDS, read, show
from estimator.inputs.readers import check_size, decode_text, read_csv
from estimator.quote import Quote, quote
from estimator.reference.tables import COMPONENTS, PROCEDURE_CODES, SITES, RefData
from estimator.scenario import COVERAGE, Scenario

#: The largest price list accepted, in bytes (a list of a few thousand rows is well under this).
MAX_BYTES = 1024 * 1024
COLUMNS = ("payer", "coverage", "site", "code", "component", "amount")
TEMPLATE = (
    "payer,coverage,site,code,component,amount,note\n"
    "Example Health PPO,commercial,asc,62321,professional,185.00,2026 contract\n"
    "Example Health PPO,commercial,asc,62321,facility,640.00,2026 contract\n"
    "cash,self_pay,*,62321,professional,250.00,cash price list\n"
    "cash,self_pay,asc,62321,facility,550.00,cash price list\n"
)


def price_text(data: bytes) -> str:
    """An uploaded price list as text: at most MAX_BYTES; UTF-8 (with or without BOM), UTF-16 with a
    BOM, or text taken as Windows-1252 (see ``readers.decode_text``); a binary file is refused."""
    check_size(data, "file", MAX_BYTES)
    return decode_text(data, "file")


@dataclass(frozen=True)
class Price:
    payer: str
    coverage: str
    site: str
    code: str
    component: str
    amount: float
    note: str


@dataclass
class PriceList:
    prices: list[Price]
    label: str = "the clinic's price list"

    @classmethod
    def from_csv(cls, text: str, label: str = "the clinic's price list") -> PriceList:
        """Parse and check a price list; raises InputError naming the row and field of each problem.

        Rows are numbered as a spreadsheet shows them (the header is row 1). A row with more fields
        than the header, duplicate column names (``Amount,amount``) and text over MAX_BYTES are refused.
        """
        check_size(text, "file", MAX_BYTES)
        table = read_csv(text, "file")
        missing = [c for c in COLUMNS if c not in table.columns]
        if missing:
            raise InputError([FieldError("columns", _("missing {missing}: the columns are {columns} (and an optional "
                                                      "note)").format(missing=", ".join(missing),
                                                                      columns=", ".join(COLUMNS)))])
        errs, prices = [], []
        allowed = {"coverage": COVERAGE, "site": ("*", *SITES), "code": ("*", *PROCEDURE_CODES),
                   "component": COMPONENTS}
        for n, cells in table.rows:
            if n in table.row_errors:
                errs.append(table.row_errors[n])
                continue
            row = {k: v.strip() for k, v in zip(table.columns, cells)}
            bad = False
            for col, ok in allowed.items():
                if row[col].lower() not in ok:
                    errs.append(FieldError(f"row {n} {col}",
                                           _("'{value}' is not allowed: one of {allowed}").format(
                                               value=row[col][:40], allowed=", ".join(ok))))
                    bad = True
            amount, problem = read(FIELDS["allowed"], row["amount"])  # read like every amount of a quote
            if problem or amount is None:
                errs.append(FieldError(f"row {n} amount", problem or _("is required: an amount in dollars")))
                bad = True
            if not row["payer"]:
                errs.append(FieldError(f"row {n} payer", _("is required (a name, or * for any payer)")))
                bad = True
            elif not all(c.isprintable() for c in row["payer"]):
                errs.append(FieldError(f"row {n} payer", _("'{payer}' has control characters: give the payer's name "
                                                           "as text").format(payer=show(row["payer"]))))
                bad = True
            if not bad:
                prices.append(Price(row["payer"], row["coverage"].lower(), row["site"].lower(), row["code"],
                                    row["component"].lower(), amount, row.get("note", "")))
        if errs:
            raise InputError(errs)
        if not prices:
            raise InputError([FieldError("file", _("no price rows"))])
        return cls(prices, label)

    @classmethod
    def from_bytes(cls, data: bytes, label: str = "the clinic's price list") -> PriceList:
        """Parse an uploaded or read file (see ``price_text`` for the encodings accepted)."""
        return cls.from_csv(price_text(data), label)

    def payers(self) -> list[str]:
        return sorted({p.payer for p in self.prices if p.payer != "*" and p.coverage != "self_pay"})

    def lookup(self, sc: Scenario, payer: str | None) -> dict[str, Price]:
        """The price that applies to each bill of the scenario, if any."""
        out: dict[str, Price] = {}
        payer_key = (payer or "").strip().lower()
        for comp in COMPONENTS:
            best, best_rank = None, -1
            for p in self.prices:
                if p.component != comp or p.coverage != sc.coverage:
                    continue
                payer_ok = p.payer == "*" or p.payer.lower() == payer_key or sc.coverage == "self_pay"
                if not payer_ok or p.site not in ("*", sc.site) or p.code not in ("*", sc.billed_code):
                    continue
                rank = 4 * (p.payer != "*") + 2 * (p.site != "*") + (p.code != "*")
                if rank > best_rank:
                    best, best_rank = p, rank
            if best:
                out[comp] = best
        return out


    def applicable(self, sc: Scenario, payer: str | None) -> dict[str, Price]:
        """The prices that replace the estimate: for bills the visit has, unless a total was entered."""
        if sc.allowed is not None:
            return {}
        absent = {"facility": sc.site == "office", "anesthesia": sc.sedation != "anesthesia", "professional": False}
        return {c: p for c, p in self.lookup(sc, payer).items() if not absent[c]}


def quote_with_prices(sc: Scenario, prices: PriceList | None, payer: str | None = None,
                      ref: RefData | None = None) -> Quote:
    """Quote the scenario, with the clinic's own prices replacing the estimate where they apply."""
    applicable = prices.applicable(sc, payer) if prices else {}
    if not applicable:
        return quote(sc, ref)
    sc2 = replace(sc, **{f"allowed_{c}": p.amount for c, p in applicable.items()
                         if getattr(sc, f"allowed_{c}") is None})
    q = quote(sc2, ref)
    q.scenario = sc  # the request as made; the prices used are named below
    for comp, p in applicable.items():
        what = "cash price" if sc.coverage == "self_pay" else f"contracted amount with {p.payer}"
        q.sources.insert(0, f"{prices.label}: {what} for the {comp} bill, ${p.amount:,.2f}"
                            + (f" ({p.note})" if p.note else ""))
    q.warnings = [w for w in q.warnings if w["code"] != "allowed_entered"]
    q.warnings.append({"code": "clinic_price", "severity": "info",
                       "message": "Where the clinic has its own price for a bill, that price is used instead of the "
                                  "market estimate."})
    return q
