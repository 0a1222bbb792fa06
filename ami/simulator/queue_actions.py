"""Queue actions, worded as Asterisk 22 answers them (transcript 07)."""

from __future__ import annotations

from ami.simulator.model import Member, Queue
from ami.simulator.render import member_list_pairs
from ami.simulator.request import Handler, Request


def _entry_pairs(request: Request, queue: Queue, position: int) -> list[tuple[str, str]]:
    caller = queue.callers[position - 1]
    channel = caller.channel
    wait = str(round(caller.call.vt - caller.joined_vt))
    pairs = [("Queue", queue.name), ("Position", str(position)), ("Channel", channel.name)]
    pairs += [("Uniqueid", channel.uniqueid), ("CallerIDNum", channel.caller_num)]
    pairs += [("CallerIDName", channel.caller_name), ("ConnectedLineNum", channel.connected_num)]
    pairs += [("ConnectedLineName", channel.connected_name), ("Wait", wait), ("Priority", "0")]
    return [*pairs, *request.id_pairs()]


def _params_pairs(request: Request, queue: Queue) -> list[tuple[str, str]]:
    pairs = [("Queue", queue.name), ("Max", "0"), ("Strategy", queue.strategy)]
    pairs += [("Calls", str(len(queue.callers))), ("Holdtime", str(queue.hold_time))]
    pairs += [("TalkTime", str(queue.talk_time)), ("Completed", str(queue.completed))]
    pairs += [("Abandoned", str(queue.abandoned)), ("ServiceLevel", "0")]
    pairs += [("ServicelevelPerf", "0.0"), ("ServicelevelPerf2", "0.0"), ("Weight", "0")]
    return [*pairs, *request.id_pairs()]


async def queue_status(request: Request) -> None:
    pbx, wanted, member_filter = request.pbx, request.get("queue"), request.get("member")
    request.list_start("Queue status will follow")
    count = 0
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        request.event("QueueParams", _params_pairs(request, queue))
        count += 1
        for member in queue.members:
            if member_filter and member.interface != member_filter:
                continue
            status = pbx.member_status(member)
            request.event(
                "QueueMember", member_list_pairs(queue, member, status, request.action_id)
            )
            count += 1
        for position in range(1, len(queue.callers) + 1):
            request.event("QueueEntry", _entry_pairs(request, queue, position))
            count += 1
    request.list_complete("QueueStatusComplete", count)


async def queue_summary(request: Request) -> None:
    pbx, wanted = request.pbx, request.get("queue")
    request.list_start("Queue summary will follow")
    count = 0
    for queue in pbx.queues.values():
        if wanted and queue.name != wanted:
            continue
        logged_in = [m for m in queue.members if m.extension]
        available = [m for m in logged_in if pbx.is_available(queue, m)]
        longest = max((round(c.call.vt - c.joined_vt) for c in queue.callers), default=0)
        pairs = [("Queue", queue.name), ("LoggedIn", str(len(logged_in)))]
        pairs += [("Available", str(len(available))), ("Callers", str(len(queue.callers)))]
        pairs += [("HoldTime", str(queue.hold_time)), ("TalkTime", str(queue.talk_time))]
        pairs += [("LongestHoldTime", str(longest)), *request.id_pairs()]
        request.event("QueueSummary", pairs)
        count += 1
    request.list_complete("QueueSummaryComplete", count)


async def queue_add(request: Request) -> None:
    pbx, name, interface = request.pbx, request.get("queue"), request.get("interface")
    if not name or not interface:
        request.error("'Queue' not specified." if not name else "'Interface' not specified.")
        return
    queue = pbx.queues.get(name)
    if queue is None:
        request.error("Unable to add interface to queue: No such queue")
        return
    if queue.member(interface) is not None:
        request.error("Unable to add interface: Already there")
        return
    member_name = request.get("membername", interface)
    member = pbx.new_member(interface, member_name, request.get("stateinterface", interface))
    member.membership = "dynamic"
    member.penalty = _int(request.get("penalty", "0"))
    member.paused = bool(request.flag("paused"))
    member.paused_reason = request.get("reason") if member.paused else ""
    queue.members.append(member)
    request.respond("Success", "Added interface to queue")
    state = "INUSE" if member.paused else "NOT_INUSE"
    pbx.devstate(f"Queue:{queue.name}_pause_{interface}", state)
    pbx.member_event("QueueMemberAdded", queue, member)


async def queue_remove(request: Request) -> None:
    pbx, name, interface = request.pbx, request.get("queue"), request.get("interface")
    queue = pbx.queues.get(name)
    if queue is None:
        request.error("Unable to remove interface from queue: No such queue")
        return
    member = queue.member(interface)
    if member is None:
        request.error("Unable to remove interface: Not there")
        return
    if member.membership != "dynamic":
        request.error("Unable to remove interface: Member is not dynamic")
        return
    queue.members.remove(member)
    request.respond("Success", "Removed interface from queue")
    pbx.member_event("QueueMemberRemoved", queue, member)


def _targets(request: Request, interface: str) -> list[tuple[Queue, Member]] | None:
    """(queue, member) pairs named by ``Queue`` (or every queue); None if no queue."""
    name, pbx = request.get("queue"), request.pbx
    if name and name not in pbx.queues:
        return None
    queues = [pbx.queues[name]] if name else list(pbx.queues.values())
    found = [(q, q.member(interface)) for q in queues]
    return [(q, m) for q, m in found if m is not None]


async def queue_pause(request: Request) -> None:
    interface, paused = request.get("interface"), request.flag("paused")
    if not interface or paused is None:
        request.error("Need 'Interface' and 'Paused' parameters.")
        return
    targets = _targets(request, interface)
    if not targets:
        request.error("Interface not found")
        return
    word = "paused" if paused else "unpaused"
    request.respond("Success", f"Interface {word} successfully")
    pbx, reason = request.pbx, request.get("reason") if paused else ""
    for queue, member in targets:
        member.paused, member.paused_reason = paused, reason
        if paused:
            member.last_pause = int(pbx.now())
        pbx.devstate(f"Queue:{queue.name}_pause_{interface}", "INUSE" if paused else "NOT_INUSE")
        pbx.member_event("QueueMemberPause", queue, member)
        pbx.check_available(queue)


async def queue_penalty(request: Request) -> None:
    targets = _targets(request, request.get("interface"))
    penalty = request.get("penalty")
    if not targets or not penalty.lstrip("-").isdigit():
        request.error("Invalid interface, queuename or penalty")
        return
    request.respond("Success", "Interface penalty set successfully")
    for queue, member in targets:
        member.penalty = int(penalty)
        request.pbx.member_event("QueueMemberPenalty", queue, member)


async def queue_ring_in_use(request: Request) -> None:
    targets = _targets(request, request.get("interface"))
    value = request.flag("ringinuse")
    if not targets or value is None:
        request.error("Invalid interface, queuename or ringinuse value")
        return
    request.respond("Success", "Interface ringinuse set successfully")
    for queue, member in targets:
        member.ringinuse = value
        request.pbx.member_event("QueueMemberRinginuse", queue, member)


async def queue_log(request: Request) -> None:
    if not request.get("queue") or not request.get("event"):
        request.error("Need 'Queue' and 'Event' parameters.")
        return
    request.respond("Success", "Event added successfully")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


ACTIONS: dict[str, Handler] = {
    "queuestatus": queue_status,
    "queuesummary": queue_summary,
    "queueadd": queue_add,
    "queueremove": queue_remove,
    "queuepause": queue_pause,
    "queuepenalty": queue_penalty,
    "queuememberringinuse": queue_ring_in_use,
    "queuelog": queue_log,
}
