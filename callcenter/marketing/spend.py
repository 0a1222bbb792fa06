"""What each channel cost per month: typed on the marketing page or imported from a table.

An import (XLSX or CSV, read by the imports' own readers under their upload limits) has the
columns channel, month, amount (in English or Russian); every bad row is reported with its
reason and nothing is written unless every row is good. A month given twice keeps the
last amount; an imported month replaces what was typed for it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.imports.limits import UploadLimits
from callcenter.imports.reading import detect_shape, read_rows
from callcenter.imports.targets import BadRow
from callcenter.limits import column_max
from callcenter.marketing.models import ChannelSpend

MAX_AMOUNT = column_max(ChannelSpend.amount)  # 999999999999.99
HEADERS = {
    "channel": ("channel", "канал"),
    "month": ("month", "месяц"),
    "amount": ("amount", "cost", "spend", "сумма", "расход", "стоимость"),
}
NOT_A_MONTH = N_("A month such as 2026-03 (2000 to 2100)")
NOT_AN_AMOUNT = N_("An amount from 0 to 999999999999.99")
NO_CHANNEL = N_("No such channel")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})(?:-\d{1,2}(?: .*)?)?|(\d{1,2})[./](\d{4})")


class SpendInvalid(Invalid):
    """A spend import with bad rows: each with its line and reason; nothing was written."""

    id = "spend_invalid"

    def __init__(self, message: str, bad: list[BadRow]) -> None:
        super().__init__(message)
        self.bad = bad


def parse_month(text: str) -> date | None:
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        return None
    year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
    if not (2000 <= int(year) <= 2100 and 1 <= int(month) <= 12):
        return None
    return date(int(year), int(month), 1)


def parse_amount(text: str) -> Decimal | None:
    cleaned = re.sub(r"[\s\u00a0₽]|руб\.?|RUB", "", text.strip()).replace(",", ".")
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or not Decimal(0) <= value <= MAX_AMOUNT:
        return None
    return value.quantize(Decimal("0.01"))


async def _upsert(session: AsyncSession, rows: list[tuple[int, date, Decimal]]) -> None:
    if not rows:
        return
    last = {(c, m): a for c, m, a in rows}  # a month given twice: the last amount
    stmt = insert(ChannelSpend).values(
        [{"channel_id": c, "month": m, "amount": a} for (c, m), a in last.items()]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="uq_channel_spend_channel_month", set_={"amount": stmt.excluded.amount}
        )
    )


async def set_spend(
    session: AsyncSession, *, channel_id: int | None, month: str, amount: str
) -> None:
    """Store one channel's spend of one month (Invalid naming the field)."""
    errors: dict[str, str] = {}
    if channel_id is None or await session.get(Channel, channel_id) is None:
        errors["channel_id"] = NO_CHANNEL
    when, value = parse_month(month), parse_amount(amount)
    if when is None:
        errors["month"] = NOT_A_MONTH
    if value is None:
        errors["amount"] = NOT_AN_AMOUNT
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    assert channel_id is not None and when is not None and value is not None
    await _upsert(session, [(channel_id, when, value)])


def read_spend_file(
    content: bytes, file_name: str, limits: UploadLimits
) -> list[tuple[int, list[str]]]:
    """The file's rows, the header first (blocking: run it in a worker thread)."""
    return list(read_rows(content, detect_shape(content, file_name), limits))


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        wanted = title.strip().lower()
        for name, aliases in HEADERS.items():
            if wanted in aliases and name not in found:
                found[name] = index
    missing = [n for n in HEADERS if n not in found]
    if missing:
        raise Invalid(
            N_("The first row must name the columns channel, month and amount"),
            fields={n: N_("This column is missing") for n in missing},
        )
    return found


async def import_spend(session: AsyncSession, rows: list[tuple[int, list[str]]]) -> int:
    """Check every row, then write them all or none (SpendInvalid with every bad row)."""
    if not rows:
        raise Invalid(N_("The file is empty"))
    columns = _columns(rows[0][1])
    channels = {
        name.lower(): i
        for i, name in await session.execute(select(Channel.id, func.trim(Channel.name)))
    }
    good: list[tuple[int, date, Decimal]] = []
    bad: list[BadRow] = []
    for line, cells in rows[1:]:
        cell = {n: (cells[i] if i < len(cells) else "") for n, i in columns.items()}
        errors: dict[str, str] = {}
        channel_id = channels.get(" ".join(cell["channel"].split()).lower())
        if channel_id is None:
            errors["channel"] = NO_CHANNEL
        month, amount = parse_month(cell["month"]), parse_amount(cell["amount"])
        if month is None:
            errors["month"] = NOT_A_MONTH
        if amount is None:
            errors["amount"] = NOT_AN_AMOUNT
        if errors:
            bad.append(BadRow(line, errors, [v[:100] for v in cell.values()]))
        elif channel_id is not None and month is not None and amount is not None:
            good.append((channel_id, month, amount))
    if bad:
        raise SpendInvalid(N_("Some rows are wrong: nothing was imported"), bad)
    await _upsert(session, good)
    return len(good)


async def spend_table(session: AsyncSession, *, since: date, until: date) -> list[ChannelSpend]:
    """The spend of months from ``since`` to ``until`` (included), by month and channel."""
    return list(
        await session.scalars(
            select(ChannelSpend)
            .where(ChannelSpend.month >= since, ChannelSpend.month <= until)
            .order_by(ChannelSpend.month.desc(), ChannelSpend.channel_id)
        )
    )
