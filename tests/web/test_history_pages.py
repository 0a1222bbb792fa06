"""Every page with an audit trail or history reads it in words, in the user's language:
a campaign's mode, days, times, seconds and agents; an invoice's amounts and days; open
date ranges as "from" / "until" / "any date"; the dial ratio's "recalculated at" a time.
Rendered through the real app in Russian and in English; raw values never appear."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from callcenter.dialer.models import Campaign
from tests.campaigns.support import add_queue
from tests.campaigns.test_pages import _post
from tests.invoices.support import add_client, set_up_company
from tests.invoices.test_pages import _issue_form
from web import i18n
from web.i18n import audit_text, day_range, moment


def _history(page: str) -> str:
    found = re.search(r'<section class="panel wide history">(.*?)</section>', page, re.S)
    assert found, "no history on the page"
    return found.group(1)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["прогрессивный", "пн", "10:00", "40 с", "5\xa0%", "с 1 июн. 2026\u202fг."]),
        ("en", ["progressive", "Mon", "10:00\u202fAM", "40 s", "5\xa0%", "from Jun 1, 2026"]),
    ],
)
async def test_a_campaigns_history_and_days_read_as_words(
    signed_in: Any, db_session: Any, language: str, words: list[str]
) -> None:
    client, me, csrf = await signed_in("manager", language=language)
    await add_queue(db_session)
    made = await client.post(
        "/campaigns/new", data=_post(csrf, source="numbers", numbers="+79161112233"),
        allow_redirects=False,
    )  # fmt: skip
    url = made.headers["Location"]
    changed = _post(csrf, mode="preview", weekdays=["1", "6"], window_from="10:00",
                    ring_seconds="40", abandon_cap_percent="5", starts_on="2026-06-01")  # fmt: skip
    changed = [(k, v) for k, v in changed if k != "source"]
    saved = await client.post(f"{url}/edit", data=changed, allow_redirects=False)
    assert saved.status == 302, await saved.text()
    page = await (await client.get(url)).text()
    history = _history(page)
    for word in words:
        assert word in page, word
    raws = ["10:00:00", "5.00", "2026-06-01", "[1, 2", "…"]
    raws += ["progressive</"] if language == "ru" else []  # the code is the English word
    for raw in raws:
        assert raw not in history and raw not in page.split("<h1", 1)[1], raw


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["5\xa0000,00\xa0₽", "6 мар. 2026\u202fг.", "Сумма", "Оплачен"]),
        ("en", ["RUB5,000.00", "Mar 6, 2026", "Amount", "Paid on"]),
    ],
)
async def test_an_invoices_history_reads_money_and_days(
    signed_in: Any, db_session: Any, make_user: Any, language: str, words: list[str]
) -> None:
    await set_up_company(db_session, await make_user("admin"))
    client, user, csrf = await signed_in("manager", language=language)
    buyer = await add_client(db_session, user)
    issued = await client.post(
        f"/clients/{buyer.id}/invoices/new", data=_issue_form(csrf), allow_redirects=False
    )
    url = issued.headers["Location"]
    payment = {"csrf_token": csrf, "amount": "5000", "paid_on": "2026-03-06"}
    paid = await client.post(f"{url}/payments", data=payment, allow_redirects=False)
    assert paid.status == 302
    history = _history(await (await client.get(url)).text())
    for word in words[:2]:
        assert word in history, word
    for raw in ("5000.00", "2026-03-06", "12200.00", "paid_on", ">amount"):
        assert raw not in history, raw


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_the_dial_ratio_tile_says_when_it_was_recalculated_as_a_time(
    signed_in: Any, db_session: Any, language: str
) -> None:
    client, _me, csrf = await signed_in("manager", language=language)
    await add_queue(db_session)
    form = _post(csrf, source="numbers", numbers="+79161112233")
    made = await client.post("/campaigns/new", data=form, allow_redirects=False)
    paced = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    await db_session.execute(update(Campaign).values(paced_at=paced))
    await db_session.commit()
    page = await (await client.get(made.headers["Location"])).text()
    tile = re.search(r'<span class="paced-at">(.*?)</span>', page)
    assert tile, "no recalculation time on the tile"
    assert ("пересчитан в " if language == "ru" else "recalculated at ") in tile.group(1)
    assert re.search(r"\d{1,2}:\d{2}", tile.group(1))
    assert not re.search(r"\d{1,2}:\d{2}:\d{2}|\d{4}", tile.group(1))  # no seconds, no year


@pytest.fixture
def in_language(request: pytest.FixtureRequest) -> Any:
    tokens = (i18n.LANGUAGE.set(request.param), i18n.TIMEZONE.set("Europe/Moscow"))
    yield request.param
    i18n.LANGUAGE.reset(tokens[0])
    i18n.TIMEZONE.reset(tokens[1])


NAMES = {"user": {7: "Анна Петрова"}, "client": {9: "ООО «Лента»"}}


@pytest.mark.parametrize(
    ("in_language", "field", "value", "shown"),
    [
        ("ru", "kind", "call", "звонок"),
        ("ru", "status", "in_progress", "в работе"),
        ("ru", "mode", "predictive", "предиктивный"),
        ("ru", "state", "running", "идёт"),
        ("ru", "weekdays", [1, 7], "пн, вс"),
        ("en", "weekdays", [1, 7], "Mon, Sun"),
        ("ru", "weekdays", [0, 8, "x"], "0, 8, x"),  # garbage passes as it is
        ("ru", "window_from", "09:00:00", "09:00"),
        ("en", "window_to", "20:30:00", "8:30\u202fPM"),
        ("ru", "window_to", "25:99:00", "25:99:00"),
        ("ru", "ring_seconds", 25, "25 с"),
        ("en", "service_level_seconds", 20, "20 s"),
        ("ru", "abandon_cap_percent", "3.00", "3\xa0%"),
        ("ru", "max_dial_ratio", "2.50", "2,5"),
        ("ru", "agent_ids", [7, 404], "Анна Петрова, #404"),
        ("ru", "assignee_id", 7, "Анна Петрова"),
        ("ru", "client_id", 9, "ООО «Лента»"),
        ("ru", "phone", "+79161234567", "8 (916) 123-45-67"),
        ("ru", "do_not_call", "+79161234567 просил", "8 (916) 123-45-67 просил"),
        (
            "ru",
            "dispositions",
            [{"code": "sale", "label": "Продажа", "kind": "success"}],
            "Продажа",
        ),
        ("en", "retry_rules", {"busy": {"after_minutes": 30}}, "busy: after minutes: 30"),
        ("ru", "title", "call", "call"),  # free text is never "translated"
        ("ru", "note", "12.50", "12,5"),
    ],
    indirect=["in_language"],
)
def test_more_kinds_of_values_read_as_words(
    in_language: str, field: str, value: object, shown: str
) -> None:
    assert audit_text(field, value, NAMES) == shown


@pytest.mark.parametrize(
    ("in_language", "first", "last", "shown"),
    [
        ("ru", date(2026, 3, 2), date(2026, 3, 9), "2 мар. 2026\u202fг. – 9 мар. 2026\u202fг."),
        ("ru", date(2026, 3, 2), None, "с 2 мар. 2026\u202fг."),
        ("ru", None, date(2026, 3, 9), "по 9 мар. 2026\u202fг."),
        ("ru", None, None, "любые даты"),
        ("en", date(2026, 3, 2), None, "from Mar 2, 2026"),
        ("en", None, date(2026, 3, 9), "until Mar 9, 2026"),
        ("en", None, None, "any date"),
    ],
    indirect=["in_language"],
)
def test_open_date_ranges_say_from_until_or_any(
    in_language: str, first: date | None, last: date | None, shown: str
) -> None:
    assert day_range(first, last) == shown


@pytest.mark.parametrize("in_language", ["ru"], indirect=True)
def test_a_moment_today_is_its_time_and_another_day_has_its_date(in_language: str) -> None:
    now = datetime.now(UTC)
    assert re.fullmatch(r"\d{1,2}:\d{2}", moment(now))
    assert moment(datetime(2020, 1, 2, 9, 30, tzinfo=UTC)) == "02.01.2020, 12:30"
    assert moment(None) == ""
