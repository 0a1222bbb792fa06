"""The floor board on the recorded transcripts: agent statuses and queue visits as Asterisk
itself reports them (AgentConnect HoldTime, AgentComplete TalkTime, QueueCallerAbandon)."""

from __future__ import annotations

from datetime import timedelta

from ami.events import QueueEntry, QueueMember, QueueParams
from ami.floor import FloorBoard, WrapupPause
from callcenter.floor.records import (
    WRAPUP_REASON,
    AgentChange,
    AgentStatus,
    QueueSeen,
    Stint,
    StintOutcome,
)
from tests.ami.ami_support import received_at, timed_events

A101, A102 = "Local/101@agents/n", "Local/102@agents/n"


def run(scenario: str, board: FloorBoard | None = None) -> tuple[FloorBoard, list]:
    board = board or FloorBoard()
    out = []
    for t, event in timed_events(scenario):
        out += board.handle(event, received_at(t))
    return board, out


def finished_stints(updates: list) -> list[Stint]:
    latest = {u.key: u for u in updates if isinstance(u, Stint)}
    return [s for s in latest.values() if s.outcome != StintOutcome.WAITING]


def statuses(updates: list, interface: str) -> list[AgentStatus]:
    return [
        u.agent.status
        for u in updates
        if isinstance(u, AgentChange) and u.agent.interface == interface
    ]


def test_answered_call_is_one_completed_visit_with_asterisks_wait_and_talk() -> None:
    _, updates = run("01_inbound_answered")
    [stint] = finished_stints(updates)
    assert stint.queue == "sales"
    assert stint.outcome == StintOutcome.COMPLETED
    assert (stint.wait_seconds, stint.talk_seconds) == (2, 11)  # AgentConnect/AgentComplete
    assert stint.agent == A101 and stint.ended_by == "caller"
    assert stint.connected_at is not None and stint.ended_at is not None


def test_agent_rings_then_talks_then_is_available_again() -> None:
    board, updates = run("01_inbound_answered")
    seen = statuses(updates, A101)
    assert AgentStatus.RINGING in seen and AgentStatus.ON_CALL in seen
    assert seen.index(AgentStatus.RINGING) < seen.index(AgentStatus.ON_CALL)
    # the queue's wrap-up (1 s in queues.conf) has no event: a tick ends it
    later = received_at(timed_events("01_inbound_answered")[-1][0]) + timedelta(seconds=5)
    board.tick(later)
    assert board.agents[A101].status == AgentStatus.AVAILABLE


def test_abandoned_call_counts_asterisks_hold_time_and_stops_the_ringing() -> None:
    board, updates = run("02_inbound_abandoned")
    [stint] = finished_stints(updates)
    assert stint.outcome == StintOutcome.ABANDONED
    assert stint.wait_seconds == 8 and stint.agent == ""
    assert all(a.status != AgentStatus.RINGING for a in board.agents.values())


def test_ring_no_answer_moves_to_the_next_agent() -> None:
    _, updates = run("03_inbound_ringnoanswer")
    [stint] = finished_stints(updates)
    assert stint.agent == A102 and stint.ended_by == "agent" and stint.talk_seconds == 9
    assert AgentStatus.RINGING in statuses(updates, A101)
    assert AgentStatus.ON_CALL not in statuses(updates, A101)


def test_pause_with_reason_and_queue_membership_from_member_events() -> None:
    board, updates = run("07_queue_actions")
    agent = board.agents["Local/103@agents/n"]
    assert agent.status == AgentStatus.LOGGED_OUT  # added, then removed at the end
    history = [
        (u.agent.status, u.agent.reason)
        for u in updates
        if isinstance(u, AgentChange) and u.agent.interface == "Local/102@agents/n"
    ]
    assert (AgentStatus.PAUSED, "Meeting") in history  # paused across all queues


def test_crm_wrapup_pauses_the_agent_and_unpauses_when_over() -> None:
    board = FloorBoard(wrapup_seconds={"sales": 30})
    _, updates = run("01_inbound_answered", board)
    assert WrapupPause(A101, True) in updates
    agent = board.agents[A101]
    assert agent.status in (AgentStatus.WRAP_UP, AgentStatus.ON_CALL)
    end = agent.wrapup_until
    assert end is not None
    assert board.tick(end - timedelta(seconds=1)) == []
    assert WrapupPause(A101, False) not in board.tick(end)  # not paused by the PBX yet
    assert board.agents[A101].status == AgentStatus.AVAILABLE


def test_wrapup_reason_pause_shows_as_wrap_up_not_paused() -> None:
    board = FloorBoard()
    at = received_at(0)
    items = [
        QueueParams(queue="sales", strategy="rrmemory", service_level=20),
        QueueMember(
            queue="sales",
            name="Agent 101",
            location=A101,
            status=1,
            paused=True,
            paused_reason=WRAPUP_REASON,
        ),
        QueueEntry(
            queue="sales", position=1, uniqueid="1.5", caller_id_num="+79161234567", wait_s=12
        ),
    ]
    updates = board.rebuild(items, at)
    assert board.agents[A101].status == AgentStatus.WRAP_UP
    assert QueueSeen("sales", "rrmemory", 20, (A101,)) in updates
    [waiting] = [u for u in updates if isinstance(u, Stint)]
    assert waiting.entered_at == at - timedelta(seconds=12)
    assert waiting.outcome == StintOutcome.WAITING


def test_rebuild_logs_out_agents_the_pbx_no_longer_has_and_loses_unknown_visits() -> None:
    board, _ = run("01_inbound_answered")
    board.handle(  # a caller still waiting when the link dropped
        *[
            e
            for _, e in timed_events("02_inbound_abandoned")
            if type(e).__name__ == "QueueCallerJoin"
        ][:1],
        received_at(100),
    )
    updates = board.rebuild([QueueParams(queue="sales")], received_at(200))
    assert all(a.status == AgentStatus.LOGGED_OUT for a in board.agents.values())
    assert [u.outcome for u in updates if isinstance(u, Stint)] == [StintOutcome.LOST]


def _pause_event(queue: str, paused: bool) -> object:
    from ami.events import to_event
    from ami.protocol import Message

    fields = {
        "Event": "QueueMemberPause",
        "Queue": queue,
        "MemberName": "Agent 101",
        "Interface": A101,
        "Status": "2",  # in use: the call goes on
        "InCall": "1",
        "Paused": "1" if paused else "0",
        "PausedReason": "Lunch" if paused else "",
    }
    return to_event(Message(fields))


def test_a_pause_asked_during_a_call_is_announced_and_ends_no_stretch() -> None:
    board = FloorBoard()
    timed = timed_events("01_inbound_answered")
    connect = next(i for i, (_, e) in enumerate(timed) if type(e).__name__ == "AgentConnect")
    for t, event in timed[: connect + 1]:
        board.handle(event, received_at(t))
    at = received_at(timed[connect][0]) + timedelta(seconds=1)
    assert board.agents[A101].status == AgentStatus.ON_CALL
    queues = sorted(board.agents[A101].members)
    changes: list = []
    for queue in queues:
        changes += board.handle(_pause_event(queue, True), at)
    # each queue paused is announced, the status (and its stretch) goes on
    assert [c.agent.paused_queues for c in changes] == [
        tuple(queues[: i + 1]) for i in range(len(queues))
    ]
    assert all(c.agent.status == c.previous == AgentStatus.ON_CALL for c in changes)
    assert all(c.previous_since == c.agent.since < at for c in changes)
    assert board.handle(_pause_event(queues[0], True), at) == []  # nothing new: no change
    unpaused = board.handle(_pause_event(queues[0], False), at)
    assert [c.agent.paused_queues for c in unpaused] == [tuple(queues[1:])]
