"""The calls report on the recorded Asterisk sessions agrees with Asterisk's own records:
queue_log's figures (ENTERQUEUE, CONNECT wait, COMPLETE talk, ABANDON wait, as AMI's
QueueCallerJoin, AgentConnect HoldTime, AgentComplete TalkTime and QueueCallerAbandon
HoldTime give them) and the CDR (``Event: Cdr``: who answered, billable seconds)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ami.floor import FloorBoard
from ami.tracker import CallTracker
from callcenter.calls.store import save_calls
from callcenter.db import make_engine, make_sessionmaker
from callcenter.floor.records import Stint
from callcenter.floor.store import save_stints
from callcenter.reports.calls.report import calls_report
from callcenter.reports.filters import parse_filters
from tests.ami.ami_support import CONNECTED_AT, received_at, timed_events, transcript
from tests.reports.calls_data import SUPERVISOR
from tests.reports.support import rolled_up

SCENARIOS = (
    "01_inbound_answered",
    "02_inbound_abandoned",
    "03_inbound_ringnoanswer",
    "04a_outbound_answered",
    "05_click_to_call",
)


def asterisk_says() -> dict[str, Any]:
    said: dict[str, Any] = defaultdict(list)
    for scenario in SCENARIOS:
        answered_calls = set()
        for m in transcript(scenario):
            if m.kind != "Event":
                continue
            if m.name == "QueueCallerJoin":
                said["enterqueue"].append(m["Queue"])
            elif m.name == "AgentConnect":
                said["connect_wait"].append(int(m["HoldTime"]))
            elif m.name == "AgentComplete":
                said["complete_talk"].append(int(m["TalkTime"]))
            elif m.name == "QueueCallerAbandon":
                said["abandon_wait"].append(int(m["HoldTime"]))
            elif m.name == "Cdr" and (m["DestinationContext"], m["Disposition"]) == (
                "agents",
                "ANSWERED",
            ):
                answered_calls.add(scenario)
                said["agent_billsec"].append((m["Destination"], int(m["BillableSeconds"])))
        said["inbound_answered"].append(len(answered_calls) if scenario < "04" else 0)
    return said


async def store(sessionmaker: Any) -> None:
    for scenario in SCENARIOS:
        tracker, board = CallTracker(), FloorBoard()
        calls, stints = {}, {}
        for t, event in timed_events(scenario):
            for update in tracker.handle(event, received_at(t)):
                if hasattr(update, "call"):
                    calls[update.call.linkedid] = update.call
            for item in board.handle(event, received_at(t)):
                if isinstance(item, Stint):
                    stints[item.key] = item
        async with sessionmaker.begin() as session:
            await save_calls(session, list(calls.values()))
            await save_stints(session, pbx="default", stints=list(stints.values()))


async def test_calls_report_agrees_with_queue_log_and_cdr(database_url: str, clean_db: None):
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    await store(sessionmaker)
    await rolled_up(sessionmaker)
    day = CONNECTED_AT.date().isoformat()
    filters = parse_filters({"since": day, "until": day}, timezone="UTC", now=CONNECTED_AT)
    async with sessionmaker() as session:
        report = await calls_report(session, filters=filters, user=SUPERVISOR)
    await engine.dispose()
    said = asterisk_says()
    total = report.total
    assert total.offered == len(said["enterqueue"]) == 3
    assert total.answered == len(said["connect_wait"]) == 2
    assert total.abandoned == len(said["abandon_wait"]) == 1
    assert total.asa == sum(said["connect_wait"]) / 2
    assert total.aht == sum(said["complete_talk"]) / 2  # no wrap-up set in the CRM
    assert total.abandon_wait == said["abandon_wait"][0] == 8
    by = {d["direction"]: d for d in report.directions}
    assert by["inbound"]["calls"] == 3 and by["outbound"]["calls"] == 2
    assert by["inbound"]["answered"] == sum(said["inbound_answered"]) == 2
    assert by["inbound"]["missed"] == 1
    queue_talk = {a["agent"]: a["queue_talk_seconds"] for a in report.agents}
    assert sum(queue_talk.values()) == sum(said["complete_talk"])
    cdr_talk: dict[str, int] = defaultdict(int)
    for agent, billsec in said["agent_billsec"]:
        cdr_talk[agent] += billsec
    ours = {a["agent"]: a["queue_talk_seconds"] + a["outbound_talk_seconds"] for a in report.agents}
    assert ours.keys() == cdr_talk.keys()
    for agent, billsec in cdr_talk.items():
        assert abs(ours[agent] - billsec) <= 1, (agent, ours, cdr_talk)
