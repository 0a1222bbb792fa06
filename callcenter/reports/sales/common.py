"""What the sales reports share: reading a rollup over the filters' period, the names of the
dimensions, the previous period, and trend buckets in the user's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Subquery, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel, Segment, Tag
from callcenter.dialer.models import Campaign
from callcenter.i18n import N_, translations
from callcenter.orders.models import OrderStatus
from callcenter.reports.filters import ReportFilters, kept_columns
from callcenter.reports.rollups.days import DayRollup
from callcenter.users.models import User

NONE_LABEL = {
    "manager": N_("(no manager)"),
    "channel": N_("(no channel)"),
    "segment": N_("(no segment)"),
    "campaign": N_("Calls' wrap-ups"),
    "region": N_("(region unknown)"),
}


async def rows_in(
    session: AsyncSession,
    rollup: DayRollup,
    filters: ReportFilters,
    *,
    manager: str = "manager_id",
    wanted: Iterable[str] = (),
) -> Subquery:
    """The rollup's rows of the period, kept to the filters (``manager`` names the column
    the manager filter applies to: the order's manager, the client's owner, the agent).
    Read from the narrowest slice that holds the ``wanted`` columns and the filtered ones."""
    kept = kept_columns(filters, rollup.table.c.keys(), manager=manager)
    rows = await rollup.period(session, filters.since, filters.until, {"day", *wanted, *kept})
    query = select(rows)
    for column, value in kept.items():
        query = query.where(rows.c[column] == value)
    return query.subquery()


def previous(filters: ReportFilters) -> ReportFilters:
    """The period of the same length just before (for growth)."""
    length = filters.until - filters.since
    return replace(filters, since=filters.since - length, until=filters.since, preset="")


def growth(now: Any, before: Any) -> float | None:
    """Percent change from ``before`` to ``now``; None when there was nothing before."""
    if not before:
        return None
    return round(100.0 * (float(now) - float(before)) / float(before), 1)


async def _named(session: AsyncSession, query: Any) -> dict[int, str]:
    return {i: name for i, name in await session.execute(query)}


async def names(
    session: AsyncSession, kind: str, ids: Iterable[int], language: str
) -> dict[int, str]:
    """Names of managers, channels, segments, campaigns, tags or stages by id; 0 gets the
    "(none)" label (translated by the page)."""
    wanted = sorted({i for i in ids if i})
    found: dict[int, str] = {}
    if wanted:
        column: dict[str, Any] = {
            "channel": Channel.name,
            "segment": Segment.name,
            "campaign": Campaign.name,
            "tag": Tag.name,
        }
        if kind == "manager":
            rows = await session.execute(
                select(User.id, User.full_name, User.login).where(User.id.in_(wanted))
            )
            found = {i: full or login for i, full, login in rows}
        elif kind == "stage":
            label = OrderStatus.name_ru if language == "ru" else OrderStatus.name_en
            found = await _named(
                session, select(OrderStatus.id, label).where(OrderStatus.id.in_(wanted))
            )
        else:
            table = column[kind].class_
            found = await _named(
                session, select(table.id, column[kind]).where(table.id.in_(wanted))
            )
    return {
        0: translations(language).gettext(NONE_LABEL[kind]) if kind in NONE_LABEL else "",
        **found,
    }


def step_of(filters: ReportFilters) -> str:
    """A trend's step: days up to two months, weeks up to a year, months beyond."""
    if filters.days <= 62:
        return "day"
    return "week" if filters.days <= 366 else "month"


def bucket_of(day: datetime, filters: ReportFilters, step: str) -> date:
    """The trend bucket (its first local day) of a UTC day bucket: its noon read in the
    user's time zone, kept inside the period."""
    local = (day + timedelta(hours=12)).astimezone(ZoneInfo(filters.timezone)).date()
    return bucket_of_date(min(max(local, filters.first_day), filters.last_day), filters, step)


def buckets(filters: ReportFilters, step: str) -> list[date]:
    """Every bucket of the period, in order (a trend shows empty ones too)."""
    found: list[date] = []
    day = filters.first_day
    while day <= filters.last_day:
        bucket = bucket_of_date(day, filters, step)
        if not found or found[-1] != bucket:
            found.append(bucket)
        day += timedelta(days=1)
    return found


def bucket_of_date(local: date, filters: ReportFilters, step: str) -> date:
    if step == "week":
        return max(local - timedelta(days=local.weekday()), filters.first_day)
    if step == "month":
        return max(local.replace(day=1), filters.first_day)
    return local


def series(
    rows: Sequence[tuple[datetime, Any, float]], filters: ReportFilters, step: str
) -> tuple[list[date], dict[Any, list[float]]]:
    """(day, key, value) rows summed into buckets per key, zeros where nothing happened."""
    labels = buckets(filters, step)
    index = {b: i for i, b in enumerate(labels)}
    out: dict[Any, list[float]] = {}
    for day, key, value in rows:
        values = out.setdefault(key, [0.0] * len(labels))
        values[index[bucket_of(day, filters, step)]] += float(value or 0)
    return labels, out
