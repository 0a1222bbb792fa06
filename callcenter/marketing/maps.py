"""The admin's maps to channels: UTM sources (website leads) and tracked numbers (DIDs)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.marketing.models import TrackedNumber, UtmChannel
from callcenter.phones import PhoneError, parse_phone


async def _channel_ok(
    session: AsyncSession, channel_id: int | None, errors: dict[str, str]
) -> None:
    if channel_id is None or await session.get(Channel, channel_id) is None:
        errors["channel_id"] = N_("No such channel")


async def map_utm_source(session: AsyncSession, *, source: str, channel_id: int | None) -> None:
    """``utm_source`` (matched without regard to case) -> channel; a source mapped again moves."""
    errors: dict[str, str] = {}
    wanted = source.strip().lower()
    if not wanted or len(wanted) > 100 or "\x00" in wanted:
        errors["utm_source"] = N_("A UTM source of up to 100 characters is required")
    await _channel_ok(session, channel_id, errors)
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    stmt = insert(UtmChannel).values(utm_source=wanted, channel_id=channel_id)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[UtmChannel.utm_source], set_={"channel_id": channel_id}
        )
    )


async def map_number(
    session: AsyncSession, *, number: str, channel_id: int | None, region: str
) -> None:
    """An advertised number (as the customer dials it) -> channel, stored in E.164 as the
    call tracker stores an inbound call's dialed number."""
    errors: dict[str, str] = {}
    e164 = ""
    try:
        e164 = parse_phone(number[:64], region).e164
    except PhoneError:
        errors["number"] = N_("Not a phone number")
    await _channel_ok(session, channel_id, errors)
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    stmt = insert(TrackedNumber).values(number=e164, channel_id=channel_id)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[TrackedNumber.number], set_={"channel_id": channel_id}
        )
    )


async def unmap(session: AsyncSession, kind: str, entry_id: int) -> None:
    model: Any = UtmChannel if kind == "utm" else TrackedNumber
    await session.execute(delete(model).where(model.id == entry_id))


async def all_maps(session: AsyncSession) -> tuple[list[UtmChannel], list[TrackedNumber]]:
    utms = await session.scalars(select(UtmChannel).order_by(UtmChannel.utm_source))
    numbers = await session.scalars(select(TrackedNumber).order_by(TrackedNumber.number))
    return list(utms), list(numbers)
