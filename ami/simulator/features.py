"""In-call features: hold (06c) and blind transfer (06a) of a queue call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ami.simulator.agent_leg import ANSWER, REJECTED, AgentLeg
from ami.simulator.call import Call, Interrupt
from ami.simulator.model import Bridge, Channel
from ami.simulator.render import bridge_pairs, channel_pairs

if TYPE_CHECKING:
    from ami.simulator.queue_talk import QueueTalk

DIAL_TIMEOUT_S = 20  # Dial(Local/${EXTEN}@agents/n,20,tT) in [internal]


async def hold(call: Call, interrupt: Interrupt, agent: Channel, caller: Channel) -> None:
    """Hold on the agent leg, music to the caller, then Unhold after ``seconds``."""
    call.emit_channel("Hold", agent, ("MusicClass", "default"))
    call.emit_channel("MusicOnHoldStart", caller, ("Class", "default"))
    pending = await call.wait(interrupt.seconds)
    call.emit_channel("Unhold", agent)
    call.emit_channel("MusicOnHoldStop", caller)
    if pending is not None:
        call.interrupt(pending)  # handled by the talk loop


def _blind_transfer_event(talk: QueueTalk, interrupt: Interrupt) -> None:
    pairs = [
        ("Result", "Success"),
        *channel_pairs(talk.agent.one, "Transferer"),
        *channel_pairs(talk.visit.leg, "Transferee"),
        *bridge_pairs(talk.bridge),
        ("IsExternal", "Yes"),
        ("Context", interrupt.context),
        ("Extension", interrupt.exten),
    ]
    talk.call.pbx.emit("BlindTransfer", pairs, "call,all")


async def blind_transfer(talk: QueueTalk, interrupt: Interrupt) -> None:
    """The agent leg is transferred away: the caller goes to ``context,exten``."""
    call, agent, bridge, leg = talk.call, talk.agent, talk.bridge, talk.visit.leg
    call.emit_channel("Unhold", agent.one)
    call.cdr(agent.two)
    if interrupt.announce:
        _blind_transfer_event(talk, interrupt)
    talk.complete("transfer")
    call.bridge_leave(bridge, agent.one)
    call.hangup_request(agent.two, 16)
    call.hangup_request(agent.two, 16, soft=True)
    call.bridge_leave(bridge, leg)
    call.hangup(agent.two, 16)
    call.pbx.devstate(agent.pair.device, "NOT_INUSE")
    talk.finish_member()
    call.pbx.set_device_busy(agent.pair.device, False)
    call.hangup(agent.one, 16)
    call.bridge_destroy(bridge)
    call.pbx.devstate(agent.pair.device, "NOT_INUSE")
    await _dial_target(talk, interrupt.context, interrupt.exten)


async def _dial_target(talk: QueueTalk, context: str, exten: str) -> None:
    call, leg = talk.call, talk.visit.leg
    leg.context, leg.exten = context, exten
    if not (context in ("internal", "agents") and exten.isdigit() and exten.startswith("1")):
        talk.visit.hang_up_caller(16)  # no such extension: the dialplan hangs up
        return
    call.newexten(leg, 1, "NoOp", f"Internal call to agent {exten}")
    call.newexten(leg, 2, "Dial", f"Local/{exten}@agents/n,{DIAL_TIMEOUT_S},tT")
    target = AgentLeg(call, exten, leg, via=None)
    target.start()
    kind, after = target.outcome(DIAL_TIMEOUT_S)
    deadline = talk.visit.deadline
    channels = (*talk.visit.pair.channels, *target.pair.channels)
    interrupt = await call.wait_for_hangup(min(after, deadline - call.vt), channels)
    caller_left = call.vt + 1e-9 >= deadline or (
        interrupt is not None and interrupt.channel in talk.visit.pair.channels
    )
    talk.visit.attempts.append((target, not caller_left and kind == ANSWER))  # a Cdr each
    if caller_left or kind != ANSWER:
        if caller_left:
            call.dial_end(leg, target.one, "CANCEL")
        else:
            call.dial_end(leg, target.one, "BUSY" if kind == REJECTED else "NOANSWER")
        target.drop_after_cancel()
        target.hang_up_two(cause=0)
        talk.visit.hang_up_caller(16)
        return
    target.answer()
    call.pbx.devstate(target.pair.device, "INUSE")
    bridge = call.bridge(target.one, leg)
    target.talk_started()
    await call.wait(min(target.behaviour.talk_s, deadline - call.vt))
    _end_after_transfer(talk, target, bridge)


def _end_after_transfer(talk: QueueTalk, target: AgentLeg, bridge: Bridge) -> None:
    """Whoever hangs up, both pairs go (06a order, the agent hanging up)."""
    call, leg = talk.call, talk.visit.leg
    call.hangup_request(target.two, 16, soft=True)
    call.hangup_request(target.one, 16)
    call.hangup(target.two, 16)
    call.bridge_leave(bridge, target.one)
    call.hangup(target.one, 16)
    call.cdr(target.two)
    call.bridge_leave(bridge, leg)
    call.bridge_destroy(bridge)
    talk.visit.hang_up_caller(16)
    for _ in range(2):
        call.pbx.devstate(target.pair.device, "NOT_INUSE")
    call.pbx.set_device_busy(target.pair.device, False)
