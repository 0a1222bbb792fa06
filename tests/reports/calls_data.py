"""A small fixed day of calls, queue visits and agent stretches, with hand-computed figures
in tests/reports/test_calls_report.py. Monday 2 March 2026, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from callcenter.users.models import User

DAY = datetime(2026, 3, 2, tzinfo=UTC)
SUPERVISOR = User(id=0, login="boss", role="supervisor", active=True)  # sees every figure


def at(clock: str) -> datetime:
    hours, minutes, *seconds = (int(p) for p in clock.split(":"))
    return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds[0] if seconds else 0)


# linkedid, direction, caller, callee, queue, started, ended, outcome, wait, talk, hold
CALLS = [
    (
        "c1",
        "inbound",
        "+79160000001",
        "74951234567",
        "sales",
        "10:00:05",
        "10:02",
        "answered",
        10,
        100,
        5,
    ),
    (
        "c2",
        "inbound",
        "+79160000002",
        "74951234567",
        "sales",
        "10:10",
        "10:10:40",
        "abandoned",
        40,
        0,
        0,
    ),
    (
        "c3",
        "inbound",
        "+79160000003",
        "74951234567",
        "sales",
        "11:00",
        "11:00:03",
        "abandoned",
        3,
        0,
        0,
    ),
    (
        "c4",
        "inbound",
        "+79160000004",
        "74951234568",
        "support",
        "11:30",
        "11:32",
        "answered",
        25,
        60,
        0,
    ),
    (
        "c5",
        "inbound",
        "+79160000005",
        "74951234569",
        "",
        "12:00",
        "12:00:30",
        "no_answer",
        30,
        0,
        0,
    ),
    ("c6", "outbound", "101", "+79160000002", "", "10:30", "10:31", "answered", 5, 50, 0),
    ("c7", "outbound", "101", "+79160000005", "", "14:00", "14:00:20", "no_answer", 20, 0, 0),
    ("c8", "internal", "102", "101", "", "12:30", "12:31", "answered", 2, 20, 0),
]
# linkedid, agent, answered, talk
LEGS = [
    ("c1", "PJSIP/101", "10:00:15", 100),
    ("c4", "Local/102@agents/n", "11:30:25", 60),
    ("c6", "PJSIP/101", "10:30:05", 50),
    ("c7", "PJSIP/101", None, 0),
    ("c8", "PJSIP/102", "12:30:02", 20),
]
# queue, linkedid, entered, outcome, connected, ended, wait, talk, agent
STINTS = [
    ("sales", "c1", "10:00:05", "completed", "10:00:15", "10:02", 10, 100, "PJSIP/101"),
    ("sales", "c2", "10:10", "abandoned", None, "10:10:40", 40, None, ""),
    ("sales", "c3", "11:00", "abandoned", None, "11:00:03", 3, None, ""),
    ("support", "c4", "11:30", "completed", "11:30:25", "11:32", 25, 60, "Local/102@agents/n"),
]
# extension, status, reason, started, ended
STATES = [
    ("101", "available", "", "09:00", "10:00:10"),
    ("101", "on_call", "", "10:00:10", "10:02"),
    ("101", "paused", "Lunch", "10:02", "11:00"),
    ("101", "available", "", "11:00", "11:30"),
    ("102", "logged_out", "", "08:00", "09:00"),
    ("102", "paused", "", "09:00", "09:15"),
]


async def add_day(session: Any) -> None:
    await session.execute(
        text(
            "INSERT INTO queues (pbx, name, title, service_level_seconds, wrapup_seconds, "
            "strategy, pbx_service_level_seconds, on_pbx, allowed_user_ids) VALUES "
            "('default', 'sales', 'Sales', 20, 5, '', 20, true, '{}'), "
            "('default', 'support', '', 30, 0, '', 30, true, '{}')"
        )
    )
    for linkedid, direction, caller, callee, queue, start, end, outcome, wait, talk, hold in CALLS:
        await session.execute(
            text(
                "INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, started_at, "
                "answered_at, ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, "
                "recording, agents) VALUES (:l, 'default', :d, :caller, :callee, :q, :s, :a, :e, "
                ":o, :w, :t, :h, '', '{}')"
            ),
            {
                "l": linkedid,
                "d": direction,
                "caller": caller,
                "callee": callee,
                "q": queue,
                "s": at(start),
                "a": at(start) if outcome == "answered" else None,
                "e": at(end),
                "o": outcome,
                "w": wait,
                "t": talk,
                "h": hold,
            },
        )
    for i, (linkedid, agent, answered, talk) in enumerate(LEGS):
        await session.execute(
            text(
                "INSERT INTO call_legs (call_id, uniqueid, channel, agent, started_at, "
                "answered_at, ended_at, talk_seconds, hold_seconds) SELECT id, :u, :ch, :ag, "
                "started_at, :a, ended_at, :t, 0 FROM calls WHERE linkedid = :l"
            ),
            {
                "l": linkedid,
                "u": f"leg{i}",
                "ch": agent,
                "ag": agent,
                "a": at(answered) if answered else None,
                "t": talk,
            },
        )
    for queue, linkedid, entered, outcome, connected, ended, wait, talk, agent in STINTS:
        await session.execute(
            text(
                "INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, "
                "entered_at, outcome, position, connected_at, ended_at, wait_seconds, "
                "talk_seconds, agent, ended_by) VALUES ('default', :k, :q, :l, :l, '', :en, :o, "
                "1, :c, :e, :w, :t, :ag, '')"
            ),
            {
                "k": f"{linkedid}/{queue}",
                "q": queue,
                "l": linkedid,
                "en": at(entered),
                "o": outcome,
                "c": at(connected) if connected else None,
                "e": at(ended),
                "w": wait,
                "t": talk,
                "ag": agent,
            },
        )
    await add_states(session, [(x, st, r, at(s), at(e)) for x, st, r, s, e in STATES])


async def add_states(session: Any, states: list[tuple[str, str, str, datetime, datetime]]) -> None:
    """Agents' status stretches: extension, status, reason, started, ended."""
    for extension, status, reason, started, ended in states:
        await session.execute(
            text(
                "INSERT INTO agent_states (pbx, interface, extension, status, reason, "
                "started_at, ended_at) VALUES ('default', :i, :x, :st, :r, :s, :e)"
            ),
            {
                "i": f"PJSIP/{extension}",
                "x": extension,
                "st": status,
                "r": reason,
                "s": started,
                "e": ended,
            },
        )


# Who the callers are, for the filters (hand-computed in tests/reports/test_calls_filters.py):
# client (id), number            owner channel  segment     calls
#   Alpha (1)  +79160000001      m1    Yandex   Retail      c1
#   Beta (2)   +79160000002      m1    Radio    -           c2, c6 (the callback)
#   Delta (3)  +79160000004      m2    Yandex   Wholesale   c4
#   Eps (4)    +79160000005      -     Radio    Retail      c5, c7
# c3 (an unknown number) and c8 (internal) have no client. Campaign Spring (1) placed c7.
CLIENTS = [
    (1, "Alpha", "m1", 1, 1, ("c1",)),
    (2, "Beta", "m1", 2, None, ("c2", "c6")),
    (3, "Delta", "m2", 1, 2, ("c4",)),
    (4, "Eps", None, 2, 1, ("c5", "c7")),
]


async def add_clients(session: Any, managers: dict[str, int]) -> None:
    """The callers above as clients of ``managers`` ({"m1": id, "m2": id}), and Spring."""
    for table, names in (("channels", ("Yandex", "Radio")), ("segments", ("Retail", "Wholesale"))):
        for i, name in enumerate(names, 1):
            await session.execute(
                text(f"INSERT INTO {table} (id, name, active) VALUES (:i, :n, true)"),
                {"i": i, "n": name},
            )
    for client, name, owner, channel, segment, linkedids in CLIENTS:
        await session.execute(
            text(
                "INSERT INTO clients (id, kind, name, owner_id, channel_id, segment_id, "
                "postal_address, legal_address, notes, bank_name, is_demo, updated_at) VALUES "
                "(:i, 'person', :n, :o, :c, :s, '', '', '', '', false, now() - interval '1 day')"
            ),
            {"i": client, "n": name, "o": managers.get(owner or ""), "c": channel, "s": segment},
        )
        await session.execute(
            text("UPDATE calls SET client_id = :i WHERE linkedid = ANY(:l)"),
            {"i": client, "l": list(linkedids)},
        )
    await session.execute(
        text(
            "INSERT INTO campaigns (id, name, mode, state, pbx, queue, agent_ids, caller_id, "
            "script, dispositions, refusal_reasons, advertising, weekdays, window_from, "
            "window_to, retry_rules, max_attempts, ring_seconds, max_dial_ratio, "
            "abandon_cap_percent, abandon_grace_seconds, dial_ratio, created_at) VALUES "
            "(1, 'Spring', 'progressive', 'running', 'default', '', '{}', '', '', '[]', '[]', "
            "false, '{}', '09:00', '21:00', '{}', 5, 25, 3, 3, 2, 1, now())"
        )
    )
    await session.execute(
        text(
            "INSERT INTO campaign_contacts (id, campaign_id, client_id, e164, name, timezone, "
            "timezone_source, state, attempts, last_outcome, disposition, refusal_reason, "
            "updated_at) VALUES (1, 1, 4, '+79160000005', '', '', '', 'done', 1, 'no_answer', "
            "'', '', now())"
        )
    )
    await session.execute(
        text(
            "INSERT INTO campaign_attempts (campaign_id, contact_id, action_id, number, "
            "started_at, ended_at, outcome, linkedid, agent_interface, disposition, "
            "refusal_reason, note) VALUES (1, 1, 'crm-dial-1', '+79160000005', :s, :e, "
            "'no_answer', 'c7', 'PJSIP/101', '', '', '')"
        ),
        {"s": at("14:00"), "e": at("14:00:20")},
    )
    for table in ("channels", "segments", "clients", "campaigns", "campaign_contacts"):
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )
