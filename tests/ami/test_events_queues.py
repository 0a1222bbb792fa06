"""Typed queue events and list answers read from the recorded transcripts."""

from __future__ import annotations

from ami.events import (
    AgentComplete,
    AgentRingNoAnswer,
    CoreShowChannel,
    Hangup,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueMember,
    QueueMemberPause,
    QueueMemberRinginuse,
    QueueMemberStatus,
    QueueParams,
    QueueStatusComplete,
    StatusComplete,
)
from tests.ami.ami_support import events_of, only


def test_01_queue_call_numbers_and_caller_ids_are_typed() -> None:
    (join,) = only("01_inbound_answered", QueueCallerJoin)
    (complete,) = only("01_inbound_answered", AgentComplete)
    hangups = only("01_inbound_answered", Hangup)

    assert (join.queue, join.position, join.count) == ("sales", 1, 1)
    assert join.channel.caller_id_num == "+79161234567"
    assert join.channel.caller_id_name == "Ivan Petrov"
    assert join.channel.channel_state == 6
    assert join.channel.priority == 9
    assert (complete.hold_time_s, complete.talk_time_s, complete.reason) == (2, 11, "caller")
    assert [(h.cause, h.cause_txt) for h in hangups][:2] == [
        (0, "Unknown"),
        (16, "Normal Clearing"),
    ]


def test_02_abandon_and_ring_no_answer() -> None:
    (abandon,) = only("02_inbound_abandoned", QueueCallerAbandon)
    (no_answer,) = only("02_inbound_abandoned", AgentRingNoAnswer)

    assert (abandon.position, abandon.original_position, abandon.hold_time_s) == (1, 1, 8)
    assert abandon.queue == "sales"
    assert no_answer.ring_time_ms == 5000
    assert no_answer.member_name == "Agent 102"


def test_03_agent_hangs_up_first() -> None:
    (complete,) = only("03_inbound_ringnoanswer", AgentComplete)

    assert complete.reason == "agent"
    assert complete.hold_time_s == 8  # 5 s ringing 101, 1 s retry, 2 s ringing 102
    assert complete.talk_time_s == 9  # Wait(8) on the agent leg, as counted by app_queue
    assert complete.queue == "support"


def test_07_queue_status_list_items_carry_the_action_id() -> None:
    events = events_of("07_queue_actions")
    params = [e for e in events if isinstance(e, QueueParams)]
    members = [e for e in events if isinstance(e, QueueMember)]
    complete = [e for e in events if isinstance(e, QueueStatusComplete)]

    assert params[0].action_id == "07_queue_actions-3"
    assert (params[0].queue, params[0].strategy, params[0].completed) == ("support", "linear", 10)
    assert params[0].service_level_perf == 0.0
    assert members[0].location == "Local/101@agents/n"
    assert members[0].status == 1
    assert not members[0].paused
    assert [c.list_items for c in complete] == [6, 2, 4, 0]


def test_07_member_pause_keeps_the_reason_and_ringinuse_has_its_own_spelling() -> None:
    pauses = only("07_queue_actions", QueueMemberPause)
    (ringinuse,) = only("07_queue_actions", QueueMemberRinginuse)

    assert (pauses[0].member.paused, pauses[0].member.paused_reason) == (True, "Lunch")
    assert pauses[0].member.interface == "Local/101@agents/n"
    assert (pauses[1].member.paused, pauses[1].member.paused_reason) == (False, "")
    assert ringinuse.member.ringinuse
    assert ringinuse.member.penalty == 2


def test_01_member_status_is_numeric() -> None:
    statuses = only("01_inbound_answered", QueueMemberStatus)

    assert [s.member.status for s in statuses] == [2, 2, 1, 1]
    assert statuses[-1].member.calls_taken == 6
    assert statuses[-1].member.last_call == 1795715059


def test_01_core_show_channel_duration_and_bridge() -> None:
    channels = only("01_inbound_answered", CoreShowChannel)

    assert [c.duration_s for c in channels] == [4, 4, 7, 7]
    assert channels[1].bridge_id == "b05dcceb-71a5-4d55-b308-8555abbe7a02"
    assert channels[3].application_data == "sales,tT,,,120"


def test_list_complete_events_keep_their_counts() -> None:
    (complete,) = only("07b_misc_actions", StatusComplete)

    assert (complete.list_items, complete.items, complete.event_list) == (0, 0, "Complete")
