"""Handing a queue call over: attended transfer (06b) and park (06d).

Atxfer: the agent's leg holds the caller (Hold, MusicOnHoldStart), the target agent is
rung; once they answer the two agents talk until the first agent hangs up (the CRM's
Hangup of its leg), which completes it: AttendedTransfer, AgentComplete ``transfer``, and
the caller talks on with the target. A target that does not answer, or hangs up first,
gives the caller back to the first agent.
Park: the caller leaves the agent's bridge for space 701 (ParkedCall) and the agent's leg
ends; the caller waits until they hang up (ParkedCallGiveUp) or the parking time runs out
(ParkedCallTimeOut; Asterisk would ring the parker back, the simulator ends the call).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami.simulator.agent_leg import ANSWER, AgentLeg
from ami.simulator.call import HANGUP, Interrupt
from ami.simulator.features import DIAL_TIMEOUT_S, _end_after_transfer
from ami.simulator.model import Channel
from ami.simulator.render import channel_pairs

if TYPE_CHECKING:
    from ami.simulator.queue_talk import QueueTalk

PARKING_SPACE = "701"  # res_parking.conf: parkpos 701-720


def _leave_agent(talk: QueueTalk) -> None:
    """The first agent's pair ends and leaves the queue's bridge (06a/06b order)."""
    call, agent, bridge = talk.call, talk.agent, talk.bridge
    call.cdr(agent.two)
    call.bridge_leave(bridge, agent.one)
    call.hangup_request(agent.two, 16)
    call.hangup_request(agent.two, 16, soft=True)
    call.hangup(agent.two, 16)
    call.pbx.devstate(agent.pair.device, "NOT_INUSE")
    talk.finish_member()
    call.pbx.set_device_busy(agent.pair.device, False)
    call.hangup(agent.one, 16)
    call.pbx.devstate(agent.pair.device, "NOT_INUSE")


async def attended_transfer(talk: QueueTalk, interrupt: Interrupt) -> bool:
    """True once the caller is handed over (and that call has ended); False when the
    target did not answer and the first agent talks on with the caller."""
    call, agent, leg = talk.call, talk.agent, talk.visit.leg
    call.emit_channel("Hold", agent.one, ("MusicClass", "default"))
    call.emit_channel("MusicOnHoldStart", leg, ("Class", "default"))
    target = AgentLeg(call, interrupt.exten, agent.one, via=None)
    target.start()
    kind, after = target.outcome(DIAL_TIMEOUT_S)
    mine = (*agent.pair.channels, *talk.visit.pair.channels)
    hung = await call.wait_for_hangup(after, (*mine, *target.pair.channels))
    if hung is not None or kind != ANSWER:
        call.dial_end(agent.one, target.one, "CANCEL" if hung is not None else "NOANSWER")
        target.drop_after_cancel()
        target.hang_up_two(cause=0)
        _give_back(talk)
        if hung is not None:
            call.interrupt(hung)  # the talk loop ends the call as it would have
        return False
    target.answer()
    call.pbx.devstate(target.pair.device, "INUSE")
    consult = call.bridge(target.one, agent.one)
    target.talk_started()
    target_end = call.vt + target.behaviour.talk_s
    hung = await call.wait_for_hangup(target.behaviour.talk_s, (*mine, *target.pair.channels))
    if (
        hung is None
        or hung.channel in target.pair.channels
        or hung.channel in talk.visit.pair.channels
    ):
        # the target hung up first (the caller comes back), or the caller did while held
        call.bridge_leave(consult, agent.one)
        call.bridge_leave(consult, target.one)
        call.bridge_destroy(consult)
        target.hang_up_two(cause=16)
        _give_back(talk)
        if hung is not None and hung.channel in talk.visit.pair.channels:
            call.interrupt(hung)
        return False
    call.emit_channel("MusicOnHoldStop", leg)
    call.bridge_leave(consult, agent.one)
    _transfer_event(talk, target.one)
    talk.complete("transfer")
    call.bridge_leave(consult, target.one)
    call.bridge_destroy(consult)
    _leave_agent(talk)
    bridge = talk.bridge
    call.bridge_enter(bridge, target.one)
    await call.wait(max(0.0, min(target_end, talk.visit.deadline) - call.vt))
    _end_after_transfer(talk, target, bridge)
    return True


def _give_back(talk: QueueTalk) -> None:
    call = talk.call
    call.emit_channel("Unhold", talk.agent.one)
    call.emit_channel("MusicOnHoldStop", talk.visit.leg)


def _transfer_event(talk: QueueTalk, target: Channel) -> None:
    pairs = [
        ("Result", "Success"),
        *channel_pairs(talk.agent.one, "OrigTransferer"),
        ("OrigBridgeUniqueid", talk.bridge.uniqueid),
        ("OrigBridgeType", "basic"),
        *channel_pairs(talk.agent.one, "SecondTransferer"),
        *channel_pairs(talk.visit.leg, "Transferee"),
        *channel_pairs(target, "TransferTarget"),
        ("IsExternal", "No"),
        ("DestType", "Bridge"),
        ("DestBridgeUniqueid", talk.bridge.uniqueid),
    ]
    talk.call.pbx.emit("AttendedTransfer", pairs, "call,all")


async def park(talk: QueueTalk, interrupt: Interrupt) -> None:
    """The caller waits in the lot; back to the parker when the time runs out (06d)."""
    call, leg = talk.call, talk.visit.leg
    call.bridge_leave(talk.bridge, leg)
    parker = talk.agent.interface.removesuffix("/n")
    parked = [*channel_pairs(leg, "Parkee"), ("ParkerDialString", parker)]
    parked += [("Parkinglot", "default"), ("ParkingSpace", PARKING_SPACE)]
    timeout_s = max(1, round(interrupt.seconds))
    call.pbx.emit(
        "ParkedCall", [*parked, ("ParkingTimeout", str(timeout_s)), ("ParkingDuration", "0")],
        "call,all",
    )  # fmt: skip
    call.emit_channel("MusicOnHoldStart", leg, ("Class", "default"))
    talk.complete("transfer")
    _leave_agent(talk)
    call.bridge_destroy(talk.bridge)
    started = call.vt
    hung = await call.wait_for_hangup(
        min(interrupt.seconds, talk.visit.deadline - call.vt), talk.visit.pair.channels
    )
    waited = ("ParkingDuration", str(round(call.vt - started)))
    call.emit_channel("MusicOnHoldStop", leg)
    event = (
        "ParkedCallGiveUp"
        if hung is not None or call.vt >= talk.visit.deadline
        else ("ParkedCallTimeOut")
    )
    call.pbx.emit(event, [*parked, ("ParkingTimeout", "0"), waited], "call,all")
    talk.visit.hang_up_caller(16 if hung is None or hung.kind == HANGUP else hung.cause)
