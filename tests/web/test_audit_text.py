"""The audit trail as people read it: words, names, money and dates in the user's language,
never a stored code, an id or "5000.00"; and garbage passes through as text, never an error."""

from __future__ import annotations

import pytest

from web import i18n
from web.i18n import audit_text

NAMES = {"user": {7: "Анна Петрова"}, "channel": {3: "Яндекс"}, "client": {9: "ООО «Лента»"}}


@pytest.fixture
def russian() -> object:
    tokens = (i18n.LANGUAGE.set("ru"), i18n.TIMEZONE.set("Europe/Moscow"))
    yield
    i18n.LANGUAGE.reset(tokens[0])
    i18n.TIMEZONE.reset(tokens[1])


@pytest.mark.usefixtures("russian")
@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("kind", "company", "Компания"),
        ("kind", "person", "Контакт"),
        ("owner_id", 7, "Анна Петрова"),
        ("channel_id", 3, "Яндекс"),
        ("company_id", 9, "ООО «Лента»"),
        ("owner_id", 404, "#404"),  # a user since deleted
        ("total", "5000.00", "5\xa0000,00\xa0₽"),
        ("lines", ["Стол × 2 = 3000.00"], "Стол × 2 = 3\xa0000,00\xa0₽"),
        ("phones", ["+79161234567 (mobile)"], "8 (916) 123-45-67 (мобильный)"),
        ("due_on", "2026-03-02", "2 мар. 2026\u202fг."),
        ("stage_due_at", "2026-03-02T09:30:00+00:00", "02.03.2026, 12:30"),
        ("active", True, "да"),
        ("tags", ["vip", "опт"], "vip, опт"),
        ("notes", "", "—"),
        ("notes", None, "—"),
        ("tags", [], "—"),
        ("total", "not money", "not money"),
        ("total", "NaN", "NaN"),
        ("lines", ["odd line = 12"], "odd line = 12"),
        ("due_on", "2026-13-45", "2026-13-45"),
        ("kind", "robot", "robot"),
        ("name", "<b>", "<b>"),  # escaped by the template, as any text
    ],
)
def test_values_read_as_words_names_money_and_dates(field: str, value: object, shown: str) -> None:
    assert audit_text(field, value, NAMES) == shown
