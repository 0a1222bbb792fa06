"""When a contact may be called: the campaign's schedule in the CONTACT's local time.

A contact's time zone comes from the client's address (Russian regions and cities, see
``callcenter.dialer.regions``), else from the phone number (``phonenumbers.timezone``), else
the installation's default. A number may belong to several zones (a Russian mobile can be
anywhere from Kaliningrad to Kamchatka): then every candidate zone must be inside the
window (the metrics note, 2.6), which leaves a short daily window unless the address tells.

Stored on the contact: ``timezone`` is one IANA zone, or for several candidates the
westernmost and easternmost joined by ``|`` (what a person needs to see); ``timezone_source``
is ``address``, ``phone`` or ``default``. The check itself always uses every candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

from callcenter.dialer.regions import zones_in_address

UNKNOWN_ZONE = "Etc/Unknown"
LOOK_DAYS = 8  # a weekly schedule opens within this many days, if at all


@dataclass(frozen=True)
class Schedule:
    """A campaign's dates (inclusive), ISO weekdays (empty: every day) and daily window."""

    starts_on: date | None = None
    ends_on: date | None = None
    weekdays: tuple[int, ...] = ()
    window_from: time = time(9, 0)
    window_to: time = time(21, 0)

    @classmethod
    def of(cls, campaign: object) -> Schedule:
        return cls(
            starts_on=getattr(campaign, "starts_on", None),
            ends_on=getattr(campaign, "ends_on", None),
            weekdays=tuple(getattr(campaign, "weekdays", None) or ()),
            window_from=getattr(campaign, "window_from", time(9, 0)),
            window_to=getattr(campaign, "window_to", time(21, 0)),
        )

    def open_locally(self, local: datetime) -> bool:
        """Whether the window is open at this local date and time."""
        day = local.date()
        if self.starts_on is not None and day < self.starts_on:
            return False
        if self.ends_on is not None and day > self.ends_on:
            return False
        if self.weekdays and day.isoweekday() not in self.weekdays:
            return False
        moment = local.time()
        if self.window_from < self.window_to:
            return self.window_from <= moment < self.window_to
        return moment >= self.window_from or moment < self.window_to  # across midnight


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=4096)
def zones_from_phone(e164: str) -> tuple[str, ...]:
    """The number's possible zones ("" when the numbering plan does not tell)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    found = number_zones.time_zones_for_number(number)
    return tuple(sorted(z for z in found if z != UNKNOWN_ZONE and _zone(z) is not None))


def contact_zones(address: str, e164: str, default: str) -> tuple[tuple[str, ...], str]:
    """(candidate zones, source) of a contact."""
    zones = zones_in_address(address)
    if zones:
        return zones, "address"
    zones = zones_from_phone(e164)
    if zones:
        return zones, "phone"
    return (default,), "default"


def stored_timezone(zones: Sequence[str], at: datetime | None = None) -> str:
    """What the contact row keeps: the zone, or the two extremes of several."""
    if len(zones) == 1:
        return zones[0]
    moment = at or datetime.now(UTC)
    by_offset = sorted(zones, key=lambda z: _offset(z, moment))
    return f"{by_offset[0]}|{by_offset[-1]}"[:40]


def _offset(zone: str, at: datetime) -> timedelta:
    info = _zone(zone)
    return (info.utcoffset(at) if info else None) or timedelta(0)


def zones_of(timezone: str, source: str, e164: str, default: str) -> tuple[str, ...]:
    """The candidate zones of a stored contact (several candidates are recomputed)."""
    if timezone and "|" not in timezone and _zone(timezone) is not None:
        return (timezone,)
    if source == "phone" or "|" in timezone:
        return zones_from_phone(e164) or (default,)
    return (default,)


def open_now(schedule: Schedule, zones: Iterable[str], at: datetime) -> bool:
    """Whether ``at`` is inside the window in every candidate zone."""
    infos = [_zone(z) for z in zones]
    known = [z for z in infos if z is not None]
    if not known:
        return False
    return all(schedule.open_locally(at.astimezone(zone)) for zone in known)


def next_opening(schedule: Schedule, zones: Iterable[str], at: datetime) -> datetime | None:
    """The first moment from ``at`` on when the window is open in every zone; None when it
    never opens again (the campaign's last date passed, or no common hours)."""
    if open_now(schedule, zones, at):
        return at
    infos = [z for z in (_zone(name) for name in zones) if z is not None]
    first = at.date() - timedelta(days=1)
    if schedule.starts_on is not None and schedule.starts_on > first:
        first = schedule.starts_on - timedelta(days=1)
    candidates = []
    for zone in infos:
        for days in range(LOOK_DAYS + 2):
            local = datetime.combine(first + timedelta(days=days), schedule.window_from, zone)
            moment = local.astimezone(UTC)
            if moment > at:
                candidates.append(moment)
    for moment in sorted(candidates):
        if open_now(schedule, zones, moment):
            return moment
    return None
