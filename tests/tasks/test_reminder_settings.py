"""The reminder settings are read from the environment and checked."""

from __future__ import annotations

import pytest

from callcenter.settings import Settings, SettingsError


def test_reminders_are_checked_every_five_seconds_at_due_time_by_default() -> None:
    settings = Settings.from_env({})
    assert (settings.reminder_check_seconds, settings.remind_before_minutes) == (5.0, 0.0)


def test_reminder_settings_are_read() -> None:
    settings = Settings.from_env(
        {"CALLCENTER_REMINDER_CHECK_SECONDS": "0", "CALLCENTER_REMIND_BEFORE_MINUTES": "10"}
    )
    assert (settings.reminder_check_seconds, settings.remind_before_minutes) == (0.0, 10.0)


@pytest.mark.parametrize("name", ["REMINDER_CHECK_SECONDS", "REMIND_BEFORE_MINUTES"])
def test_a_bad_reminder_setting_is_one_clear_line(name: str) -> None:
    with pytest.raises(SettingsError, match=f"CALLCENTER_{name} must be a number zero or above"):
        Settings.from_env({f"CALLCENTER_{name}": "-5"})
