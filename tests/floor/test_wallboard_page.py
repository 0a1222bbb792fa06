"""The wallboard as served: agents as tiles with their time in state as a clock, withheld
numbers read as such, today's lost callers with their callbacks, figures coloured by the
queue's thresholds; the thresholds' rule and the admin's form for them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.floor.alerts import checked_thresholds, level, levels
from callcenter.floor.models import QueueRow
from callcenter.phones import is_hidden_number
from tests.floor.wallboard_data import seed_floor
from web.i18n import clock


def test_a_clock_reads_minutes_and_seconds_and_hours_past_the_hour() -> None:
    assert [clock(s) for s in (0, 7, 59.6, 60, 754, 3599, 3600, 3723, 90061)] == [
        "0:00", "0:07", "1:00", "1:00", "12:34", "59:59", "1:00:00", "1:02:03", "25:01:01"
    ]  # fmt: skip
    assert clock(-5) == "0:00" and clock(None) == "—"


def test_withheld_numbers_are_told_from_numbers() -> None:
    for raw in ("<unknown>", "anonymous", "Anonymous", '"Anonymous"', "", "  ", "Restricted",
                "PRIVATE", "unavailable", None):  # fmt: skip
        assert is_hidden_number(raw), raw
    for raw in ("+79161234567", "101", "89161234567", "unknown-trunk-7"):
        assert not is_hidden_number(raw), raw


def test_a_figure_turns_amber_then_red_at_its_thresholds_and_service_level_the_other_way() -> None:
    # callers waiting: amber at 2, red at 5 (at or above)
    assert [level(v, 2, 5, False) for v in (0, 1, 2, 4, 5, 50)] == ["", "", "amber", "amber",
                                                                     "red", "red"]  # fmt: skip
    # service level: amber at 80 %, red at 60 % (at or below); no figure yet: no colour
    assert [level(v, 80, 60, True) for v in (100, 80.1, 80, 60.5, 60, 0, None)] == [
        "", "", "amber", "amber", "red", "red", ""]  # fmt: skip
    # only one of the two set, or none
    assert level(10, None, 5, False) == "red" and level(4, None, 5, False) == ""
    assert level(10, 3, None, False) == "amber" and level(10, None, None, False) == ""
    figures = {"waiting": 3, "longest_wait_seconds": 130, "service_level_today": None}
    thresholds = {"waiting": [2, 5], "longest_wait_seconds": [60, 120],
                  "service_level_today": [80, 60]}  # fmt: skip
    assert levels(figures, thresholds) == {
        "waiting": "amber", "longest_wait_seconds": "red", "service_level_today": ""}  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "errors"),
    [
        ({"alert_waiting_amber": "abc"}, {"alert_waiting_amber"}),
        ({"alert_waiting_amber": "0"}, {"alert_waiting_amber"}),
        ({"alert_waiting_amber": "-3"}, {"alert_waiting_amber"}),
        ({"alert_waiting_amber": "1e3"}, {"alert_waiting_amber"}),
        ({"alert_waiting_amber": "٣"}, {"alert_waiting_amber"}),  # an Arabic-Indic three
        ({"alert_waiting_amber": "9" * 400}, {"alert_waiting_amber"}),
        ({"alert_wait_red": "86401"}, {"alert_wait_red"}),
        ({"alert_service_level_amber": "101"}, {"alert_service_level_amber"}),
        ({"alert_waiting_amber": "5", "alert_waiting_red": "5"}, {"alert_waiting_red"}),
        ({"alert_wait_amber": "60", "alert_wait_red": "30"}, {"alert_wait_red"}),
        (
            {"alert_service_level_amber": "60", "alert_service_level_red": "80"},
            {"alert_service_level_red"},
        ),
        ({"alert_waiting_amber": " 3 ", "alert_service_level_red": "0"}, set()),
        ({}, set()),
    ],
)
def test_thresholds_typed_are_checked(typed: dict[str, str], errors: set[str]) -> None:
    values, found = checked_thresholds(typed)
    assert set(found) == errors
    if not errors:
        assert values["alert_waiting_amber"] == (3 if typed else None)
        assert values["alert_wait_red"] is None


async def _users(make_user: Any) -> None:
    await make_user("operator", login="ivan", full_name="Ivan Orlov", extension="101")
    await make_user("operator", login="olga", full_name="Olga Petrova", extension="102")
    await make_user("operator", login="anna", full_name="Anna Belova", extension="103")


async def test_wallboard_shows_tiles_clocks_hidden_numbers_lost_callers_and_colours(
    signed_in: Any, make_user: Any, db_session: Any
) -> None:
    await _users(make_user)
    await seed_floor(db_session)
    client, _user, _csrf = await signed_in("supervisor")
    html = await (await client.get("/wallboard")).text()
    assert "&lt;unknown&gt;" not in html and "<unknown>" not in html and "anonymous" not in html
    assert html.count("hidden number") == 2  # the waiting one and the lost one
    # tiles coloured by state, time in state as a clock (3:05 ago, and the seconds the test took)
    assert re.search(r'class="agent-tile tile-on_call"', html)
    assert re.search(r'class="agent-tile tile-paused"', html)
    assert re.search(r'data-field="since"[^>]*>3:[01]\d<', html)
    assert re.search(r'data-field="since"[^>]*>1:02:[01]\d<', html)
    # 2 waiting (amber at 2), the longest 75 s (amber at 60); the waits as clocks
    assert re.search(r'data-field="waiting" class="level-amber">2<', html)
    assert re.search(r'data-field="longest_wait_seconds" class="level-amber"', html)
    assert re.search(r'class="wait" data-base-seconds="(1\d)">0:\1<', html)
    # lost callers: answered callback by its agent; two tries; not yet; no number to call
    lost = html[html.index('id="abandoned-table"') :]
    assert re.search(r'data-key="l1" class="called-back"[\s\S]*?yes, at \d\d:\d\d by Ivan Orlov',
                     lost)  # fmt: skip
    assert re.search(r'data-key="l2" class="callback-tried"[\s\S]*?tried 2 times, last at '
                     r"\d\d:\d\d by Olga Petrova: no answer", lost)  # fmt: skip
    assert re.search(r'data-key="l3" class="not-called-back"[\s\S]*?not yet', lost)
    assert re.search(r'data-key="l4"[\s\S]*?no number to call', lost)
    assert 'data-key="a1"' not in lost and 'data-key="a2"' not in lost  # answered elsewhere


async def test_wallboard_in_russian_says_hidden_number(
    signed_in: Any, make_user: Any, db_session: Any
) -> None:
    await _users(make_user)
    await seed_floor(db_session)
    client, _user, _csrf = await signed_in("supervisor", language="ru")
    html = await (await client.get("/wallboard")).text()
    assert html.count("скрытый номер") == 2 and "hidden number" not in html
    fragment = await (await client.get("/wallboard/abandoned")).text()
    assert "скрытый номер" in fragment and "Ivan Orlov" in fragment


async def test_queue_api_carries_thresholds_and_hidden_callers_display(
    signed_in: Any, make_user: Any, db_session: Any
) -> None:
    await seed_floor(db_session)
    client, _user, _csrf = await signed_in("supervisor")
    body = await (await client.get("/api/v1/queues")).json()
    (queue,) = body["queues"]
    assert queue["thresholds"] == {"waiting": [2, 5], "longest_wait_seconds": [60, 120],
                                   "service_level_today": [80, 60]}  # fmt: skip
    assert [c["display"] for c in queue["callers"]] == ["hidden number", "8 (916) 123-45-67"]


async def test_admin_sets_thresholds_garbage_is_refused_and_kept_and_changes_are_audited(
    signed_in: Any, db_session: Any
) -> None:
    await seed_floor(db_session, alerts=dict.fromkeys(
        ("alert_waiting_amber", "alert_waiting_red", "alert_wait_amber", "alert_wait_red",
         "alert_service_level_amber", "alert_service_level_red")))  # fmt: skip
    queue_id = await db_session.scalar(select(QueueRow.id))
    client, _user, csrf = await signed_in("admin")
    form = {"csrf_token": csrf, "title": "Sales", "service_level_seconds": "20",
            "wrapup_seconds": "0", "alert_waiting_amber": "3", "alert_waiting_red": "2",
            "alert_service_level_amber": "lots"}  # fmt: skip
    refused = await client.post(f"/admin/queues/{queue_id}", data=form)
    page = await refused.text()
    assert refused.status == 422
    assert "Red must be above amber" in page and 'value="lots"' in page
    form |= {"alert_waiting_red": "6", "alert_service_level_amber": "85",
             "alert_service_level_red": "70", "alert_wait_red": "90"}  # fmt: skip
    saved = await client.post(f"/admin/queues/{queue_id}", data=form, allow_redirects=False)
    assert saved.status == 302
    db_session.expire_all()
    queue = await db_session.get(QueueRow, queue_id)
    assert (queue.alert_waiting_amber, queue.alert_waiting_red, queue.alert_wait_amber,
            queue.alert_wait_red, queue.alert_service_level_amber,
            queue.alert_service_level_red) == (3, 6, None, 90, 85, 70)  # fmt: skip
    entry = await db_session.scalar(select(AuditEntry).where(AuditEntry.entity == "queue"))
    assert entry.changes["alert_waiting_red"] == [None, 6]
    page = await (await client.get(f"/admin/queues/{queue_id}")).text()
    assert 'name="alert_wait_red" value="90"' in page
