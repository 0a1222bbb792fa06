"""What every report is filtered by, read from a query string with clear errors.

The period is a preset (today, yesterday, this week, this month, the last 30 days, this
year) or ``since``/``until`` dates (both days included), in the user's time zone; the other
filters name a queue, a campaign, a manager (a user), an acquisition channel or a segment.
``ReportFilters.query()`` gives the filters back as a query string, so a page keeps them in
its URL and a report can be shared.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.errors import Forbidden, Invalid
from callcenter.i18n import N_
from callcenter.limits import DAY_OUT_OF_RANGE, fits_id, sane_day

PRESETS = {
    "today": N_("Today"),
    "yesterday": N_("Yesterday"),
    "this_week": N_("This week"),
    "this_month": N_("This month"),
    "last_30_days": N_("Last 30 days"),
    "this_year": N_("This year"),
}
DEFAULT_PRESET = "this_month"
FILTER_NAMES = ("queue", "campaign", "manager", "channel", "segment")
ID_FILTERS = ("campaign", "manager", "channel", "segment")
MAX_DAYS = 3 * 366  # a longer period is almost surely a typo


@dataclass(frozen=True)
class ReportFilters:
    """A report's filters; ``since`` (included) and ``until`` (excluded) are aware local
    midnights of the user's time zone."""

    since: datetime
    until: datetime
    timezone: str
    preset: str = ""  # "" when given by dates
    queue: str = ""
    campaign: int | None = None
    manager: int | None = None
    channel: int | None = None
    segment: int | None = None

    @property
    def first_day(self) -> date:
        return self.since.date()

    @property
    def last_day(self) -> date:
        """The last day included."""
        return (self.until - timedelta(days=1)).date()

    @property
    def days(self) -> int:
        return (self.until.date() - self.since.date()).days

    def values(self) -> dict[str, Any]:
        """The filters as the query string names them (empty ones left out)."""
        values: dict[str, Any] = (
            {"period": self.preset}
            if self.preset
            else {"since": self.first_day.isoformat(), "until": self.last_day.isoformat()}
        )
        for name in FILTER_NAMES:
            value = getattr(self, name)
            if value not in ("", None):
                values[name] = value
        return values

    def query(self, **extra: Any) -> str:
        """``period=this_month&queue=sales``: for links that keep the filters."""
        return urlencode({**self.values(), **{k: v for k, v in extra.items() if v is not None}})

    def as_dict(self) -> dict[str, Any]:
        """What the API echoes: the period as instants and days, and every filter."""
        return {
            "period": self.preset or None,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "timezone": self.timezone,
            **{name: getattr(self, name) or None for name in FILTER_NAMES},
        }


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def preset_days(preset: str, today: date) -> tuple[date, date]:
    """The first and the last day of a preset period around ``today``."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "this_week":
        return today - timedelta(days=today.weekday()), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(preset)


def _day(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors[name] = N_("A date as YYYY-MM-DD")
        return None
    if not sane_day(day):
        errors[name] = DAY_OUT_OF_RANGE
        return None
    return day


def _period(
    query: Mapping[str, str], today: date, errors: dict[str, str]
) -> tuple[str, date, date]:
    preset = query.get("period", "").strip()
    since_raw, until_raw = query.get("since", "").strip(), query.get("until", "").strip()
    if preset and preset not in PRESETS:
        errors["period"] = N_("No such period")
    if preset or not (since_raw or until_raw):
        preset = preset if preset in PRESETS else DEFAULT_PRESET
        return (preset, *preset_days(preset, today))
    first = _day(since_raw, "since", errors) or today.replace(day=1)
    last = _day(until_raw, "until", errors) or today
    if "since" not in errors and "until" not in errors:
        if last < first:
            errors["until"] = N_("The period ends before it starts")
        elif (last - first).days >= MAX_DAYS:
            errors["until"] = N_("A period of at most three years")
    return "", first, last


def _ids(query: Mapping[str, str], errors: dict[str, str]) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for name in ID_FILTERS:
        raw = query.get(name, "").strip()
        if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and fits_id(int(raw))):
            errors[name] = N_("Choose one from the list")
        values[name] = int(raw) if raw and name not in errors else None
    return values


def parse_filters(
    query: Mapping[str, str],
    *,
    timezone: str,
    now: datetime,
    supported: Iterable[str] = FILTER_NAMES,
) -> ReportFilters:
    """Read the filters; any bad one raises ``Invalid`` naming every bad field.

    A filter the report does not use (not in ``supported``) is refused, so a figure is
    never shown as filtered when it is not.
    """
    errors: dict[str, str] = {}
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone, timezone = ZoneInfo("UTC"), "UTC"
    preset, first, last = _period(query, now.astimezone(zone).date(), errors)
    ids = _ids(query, errors)
    queue = query.get("queue", "").strip()
    if len(queue) > 80:
        errors["queue"] = N_("Choose one from the list")
    for name in FILTER_NAMES:
        if name not in supported and query.get(name, "").strip():
            errors[name] = N_("This report is not filtered by this")
    if errors:
        raise Invalid(N_("Check the report's filters"), fields=errors)
    return ReportFilters(
        since=_midnight(first, zone),
        until=_midnight(last + timedelta(days=1), zone),
        timezone=timezone,
        preset=preset,
        queue=queue,
        **ids,
    )


def default_filters(*, timezone: str, now: datetime) -> ReportFilters:
    return parse_filters({}, timezone=timezone, now=now)


def own_figures(filters: ReportFilters, user: Any) -> ReportFilters:
    """For a report about managers: a manager kept to their own clients sees only their own
    figures (asking for another manager's is refused); everyone else as asked."""
    if user.sees_every_client:
        return filters
    if filters.manager not in (None, user.id):
        raise Forbidden(N_("You see only your own figures"))
    return replace(filters, manager=user.id)


def kept_columns(
    filters: ReportFilters, columns: Collection[str], *, manager: str = "manager_id"
) -> dict[str, int]:
    """The rollup's columns the filters keep to, with the id each must equal (``manager``
    names the column the manager filter applies to); a filter whose column the rollup lacks
    is left out."""
    kept = {}
    for name, column in (
        ("manager", manager),
        ("channel", "channel_id"),
        ("segment", "segment_id"),
        ("campaign", "campaign_id"),
    ):
        value = getattr(filters, name)
        if value is not None and column in columns:
            kept[column] = value
    return kept
