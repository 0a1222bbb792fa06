"""Statement periods: calendar months, and "today" as the user who acts sees it."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime
from zoneinfo import ZoneInfo

from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.users.models import User


def local_today(user: User | None, at: datetime | None = None) -> date:
    """The day ``at`` (now by default) falls on in the user's time zone (Moscow without one)."""
    zone = ZoneInfo(user.timezone if user is not None else "Europe/Moscow")
    return (at or utcnow()).astimezone(zone).date()


def month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=monthrange(day.year, day.month)[1])


def parse_month(text: object, default: date) -> tuple[date, date]:
    """``"2026-03"`` as its first and last day; empty: the month of ``default``."""
    value = str(text or "").strip()
    if not value:
        return month_bounds(default)
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", value)
    if not match or not (2000 <= int(match[1]) <= 2999 and 1 <= int(match[2]) <= 12):
        raise PartnerInvalid(
            N_("Please correct the marked fields"),
            fields={"month": N_("A month is given as YYYY-MM")},
        )
    return month_bounds(date(int(match[1]), int(match[2]), 1))
