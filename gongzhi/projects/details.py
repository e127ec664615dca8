"""An application's budget lines, matched funds and team: checked rows, the totals they imply, and
their writing (called by the application services inside their transaction).

Rows come as dicts — from the API as they are, from the form page through `parse_*`, which reads a
textarea with one row a line ("活动费 500 12"), easier on a phone than a grid of inputs. A row is
refused with its number and a plain message; nothing is written unless every row is good."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import error
from .models import MAX_BUDGET_LINES, MAX_FUND_LINES, MAX_TEAM, BudgetLine, MatchedFund, TeamMember

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10000000000")  # ten billion yuan: within every money column
MAX_QUANTITY = Decimal("1000000")
# A spreadsheet (the Excel ledgers) reads a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@")
SEPARATORS = re.compile(r"[\s|｜，、;；×*]+")
YES = {"是", "持证", "持证社工", "社工", "y", "yes", "1", "true", "✓"}
NO = {"否", "无", "n", "no", "0", "false"}

WHAT_BUDGET, WHAT_FUNDS, WHAT_TEAM = _("预算明细"), _("配套资金"), _("项目团队")


def _text(value, *, n: int, what, limit: int) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if text.startswith(FORMULA_START):
        raise error("line_formula", what=what, n=n)
    return text[:limit]


def _number(value, *, code: str, n: int) -> Decimal:
    if isinstance(value, bool):
        raise error(code, n=n)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise error(code, n=n) from None
    if not number.is_finite() or number <= 0 or number >= MAX_AMOUNT:
        raise error(code, n=n)
    return number.quantize(CENT)


def budget_rows(rows) -> list[dict] | None:
    """[{item, unit_price, quantity}] → checked rows with their amounts; None stays None (unchanged)."""
    if rows is None:
        return None
    rows = list(rows)
    if len(rows) > MAX_BUDGET_LINES:
        raise error("budget_too_many", max=MAX_BUDGET_LINES, n=len(rows))
    out = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise error("budget_line_format", n=n)
        item = _text(row.get("item"), n=n, what=WHAT_BUDGET, limit=60)
        if not item:
            raise error("budget_line_format", n=n)
        price = _number(row.get("unit_price"), code="budget_line_number", n=n)
        quantity = _number(row.get("quantity"), code="budget_line_number", n=n)
        if quantity > MAX_QUANTITY:
            raise error("budget_line_number", n=n)
        amount = (price * quantity).quantize(CENT)
        if amount >= MAX_AMOUNT:
            raise error("budget_line_too_large", n=n)
        out.append({"item": item, "unit_price": price, "quantity": quantity, "amount": amount})
    return out


def fund_rows(rows) -> list[dict] | None:
    """[{source, amount}] → checked rows; None stays None."""
    if rows is None:
        return None
    rows = list(rows)
    if len(rows) > MAX_FUND_LINES:
        raise error("funds_too_many", max=MAX_FUND_LINES, n=len(rows))
    out = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise error("fund_line_format", n=n)
        source = _text(row.get("source"), n=n, what=WHAT_FUNDS, limit=60)
        if not source:
            raise error("fund_line_format", n=n)
        out.append({"source": source, "amount": _number(row.get("amount"), code="fund_line_amount", n=n)})
    return out


def team_rows(rows) -> list[dict] | None:
    """[{name, role, certified}] → checked rows; None stays None."""
    if rows is None:
        return None
    rows = list(rows)
    if len(rows) > MAX_TEAM:
        raise error("team_too_many", max=MAX_TEAM, n=len(rows))
    out = []
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise error("team_line_format", n=n)
        name = _text(row.get("name"), n=n, what=WHAT_TEAM, limit=30)
        role = _text(row.get("role"), n=n, what=WHAT_TEAM, limit=40)
        certified = row.get("certified", False)
        if not name or not role or not isinstance(certified, bool):
            raise error("team_line_format", n=n)
        out.append({"name": name, "role": role, "certified": certified})
    return out


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def totals(*, budget_total, matched_funds, lines: list[dict] | None, funds: list[dict] | None):
    """The budget total and matched funds the application will carry: the sums of the lines when
    there are lines (a total typed as well must agree), else what was typed."""
    if lines:
        total = sum((r["amount"] for r in lines), Decimal(0))
        if total >= MAX_AMOUNT:
            raise error("budget_line_too_large", n=len(lines))
        if not _blank(budget_total):
            try:
                typed = Decimal(str(budget_total).strip()).quantize(CENT)
            except (InvalidOperation, ValueError):
                raise error("amount_invalid") from None
            if typed != total:
                raise error("budget_mismatch", total=typed, sum=total)
        budget_total = total
    elif _blank(budget_total):
        raise error("budget_required")
    if funds:
        total = sum((r["amount"] for r in funds), Decimal(0))
        if not _blank(matched_funds):
            try:
                typed = Decimal(str(matched_funds).strip()).quantize(CENT)
            except (InvalidOperation, ValueError):
                raise error("matched_invalid") from None
            if typed not in (0, total):
                raise error("matched_mismatch", total=typed, sum=total)
        matched_funds = total
    return budget_total, matched_funds


def save(app, *, by, lines: list[dict] | None, funds: list[dict] | None, team: list[dict] | None) -> None:
    """Replace the application's rows of each kind given (None: leave that kind as it is)."""
    kinds: tuple[tuple[Any, list[dict] | None], ...] = (
        (BudgetLine, lines),
        (MatchedFund, funds),
        (TeamMember, team),
    )
    for model, rows in kinds:
        if rows is None:
            continue
        model.objects.filter(community_id=app.community_id, application=app).delete()
        model.objects.bulk_create(
            model(community_id=app.community_id, application=app, seq=n, created_by=by, **row)
            for n, row in enumerate(rows, start=1)
        )


def current(app) -> dict:
    """The rows an application has (the page and the API show them)."""
    return {
        "budget_lines": list(app.budget_lines.all()),
        "fund_lines": list(app.fund_lines.all()),
        "team": list(app.team.all()),
    }


# --- the form page's textareas: one row a line ---------------------------------------------------


def _lines(text: str) -> list[list[str]]:
    out = []
    for raw in (text or "").splitlines():
        tokens = [t for t in SEPARATORS.split(raw.strip()) if t]
        if tokens:
            out.append(tokens)
    return out


def parse_budget(text: str) -> list[dict]:
    """ "科目 单价 数量" a line (the item may hold spaces: the last two words are the numbers)."""
    rows: list[dict] = []
    for n, tokens in enumerate(_lines(text), start=1):
        if len(tokens) < 3:
            if tokens[0].startswith(FORMULA_START):
                raise error("line_formula", what=WHAT_BUDGET, n=n)
            raise error("budget_line_format", n=n)
        rows.append({"item": " ".join(tokens[:-2]), "unit_price": tokens[-2], "quantity": tokens[-1]})
    return rows


def parse_funds(text: str) -> list[dict]:
    """ "来源 金额" a line."""
    rows: list[dict] = []
    for n, tokens in enumerate(_lines(text), start=1):
        if len(tokens) < 2:
            if tokens[0].startswith(FORMULA_START):
                raise error("line_formula", what=WHAT_FUNDS, n=n)
            raise error("fund_line_format", n=n)
        rows.append({"source": " ".join(tokens[:-1]), "amount": tokens[-1]})
    return rows


def parse_team(text: str) -> list[dict]:
    """ "姓名 分工 是/否" a line (the last word, when 是 or 否, says whether a certified social worker)."""
    rows: list[dict] = []
    for n, tokens in enumerate(_lines(text), start=1):
        certified = False
        if len(tokens) >= 3 and tokens[-1].lower() in YES | NO:
            certified = tokens[-1].lower() in YES
            tokens = tokens[:-1]
        if len(tokens) < 2:
            if tokens and tokens[0].startswith(FORMULA_START):
                raise error("line_formula", what=WHAT_TEAM, n=n)
            raise error("team_line_format", n=n)
        rows.append({"name": tokens[0], "role": " ".join(tokens[1:]), "certified": certified})
    return rows


def _plain(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral() else format(d, "f")


def as_text(app) -> dict[str, str]:
    """The textareas' initial text for an application's rows."""
    yes, no = "是", "否"
    return {
        "budget_text": "\n".join(
            f"{r.item} {_plain(r.unit_price)} {_plain(r.quantity)}" for r in app.budget_lines.all()
        ),
        "funds_text": "\n".join(f"{r.source} {_plain(r.amount)}" for r in app.fund_lines.all()),
        "team_text": "\n".join(f"{r.name} {r.role} {yes if r.certified else no}" for r in app.team.all()),
    }
