"""Call windows in the contact's local time (windows.py, regions.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from callcenter.dialer.regions import zones_in_address
from callcenter.dialer.windows import (
    Schedule,
    contact_zones,
    next_opening,
    open_now,
    stored_timezone,
    zones_of,
)

NINE_TO_NINE = Schedule(window_from=time(9), window_to=time(21))


def test_the_address_names_the_zone_and_street_names_do_not_count() -> None:
    assert zones_in_address("630099, г. Новосибирск, ул. Омская, д. 5") == ("Asia/Novosibirsk",)
    assert zones_in_address("Москва, ул. Кирова, 1") == ("Europe/Moscow",)
    assert zones_in_address("Свердловская обл., г. Берёзовский") == ("Asia/Yekaterinburg",)
    assert zones_in_address("Приморский край, Уссурийск") == ("Asia/Vladivostok",)
    assert zones_in_address("Kaliningrad") == ("Europe/Kaliningrad",)
    assert zones_in_address("Березники") == ()


def test_zone_from_the_address_first_then_the_number_then_the_default() -> None:
    assert contact_zones("Томск", "+74951234567", "Europe/Moscow") == (("Asia/Tomsk",), "address")
    assert contact_zones("", "+73832123456", "Europe/Moscow") == (("Asia/Novosibirsk",), "phone")
    assert contact_zones("", "+15551234567", "Europe/Moscow") == (("Europe/Moscow",), "default")


def test_a_russian_mobile_has_many_candidate_zones_stored_as_its_extremes() -> None:
    zones, source = contact_zones("", "+79161234567", "Europe/Moscow")
    assert source == "phone" and "Asia/Kamchatka" in zones and "Europe/Moscow" in zones
    stored = stored_timezone(zones, datetime(2026, 1, 10, tzinfo=UTC))
    assert stored.endswith("|Asia/Kamchatka") and len(stored) <= 40
    assert zones_of(stored, "phone", "+79161234567", "Europe/Moscow") == zones
    assert zones_of("Asia/Omsk", "address", "+79161234567", "Europe/Moscow") == ("Asia/Omsk",)


def test_window_is_checked_in_the_contacts_local_time() -> None:
    at = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 07:30 Moscow, 11:30 Novosibirsk
    assert open_now(NINE_TO_NINE, ["Asia/Novosibirsk"], at)
    assert not open_now(NINE_TO_NINE, ["Europe/Moscow"], at)


def test_ambiguous_zone_needs_the_window_open_in_every_candidate() -> None:
    zones = ["Europe/Moscow", "Asia/Vladivostok"]  # 7 hours apart
    assert not open_now(NINE_TO_NINE, zones, datetime(2026, 3, 2, 4, 30, tzinfo=UTC))
    assert open_now(NINE_TO_NINE, zones, datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # 10:00 / 17:00
    assert not open_now(NINE_TO_NINE, zones, datetime(2026, 3, 2, 11, 30, tzinfo=UTC))


def test_dates_and_weekdays_of_the_schedule_apply_locally() -> None:
    weekdays = Schedule(weekdays=(1, 2, 3, 4, 5), starts_on=date(2026, 3, 2))
    saturday_noon = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    assert not open_now(weekdays, ["Europe/Moscow"], saturday_noon)
    before_start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert not open_now(weekdays, ["Europe/Moscow"], before_start)
    ended = Schedule(ends_on=date(2026, 3, 2))
    assert not open_now(ended, ["Europe/Moscow"], datetime(2026, 3, 3, 9, 0, tzinfo=UTC))


def test_next_opening_is_the_first_moment_every_zone_is_inside() -> None:
    at = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 22:00 Moscow: closed
    assert next_opening(NINE_TO_NINE, ["Europe/Moscow"], at) == datetime(
        2026, 3, 3, 6, 0, tzinfo=UTC
    )
    zones = ["Europe/Moscow", "Asia/Vladivostok"]
    assert next_opening(NINE_TO_NINE, zones, at) == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
    friday_night = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)
    workdays = Schedule(weekdays=(1, 2, 3, 4, 5))
    assert next_opening(workdays, ["Europe/Moscow"], friday_night) == datetime(
        2026, 3, 9, 6, 0, tzinfo=UTC
    )
    over = Schedule(ends_on=date(2026, 3, 2))
    assert next_opening(over, ["Europe/Moscow"], at) is None
    assert next_opening(NINE_TO_NINE, ["Europe/Moscow"], datetime(2026, 3, 2, 8, tzinfo=UTC)) == (
        datetime(2026, 3, 2, 8, tzinfo=UTC)
    )
