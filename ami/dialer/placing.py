"""A campaign's agents as the floor board sees them, and the Originate of one attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ami.dialer.watch import DialerCall
from ami.floor.agents import Agent
from callcenter.dialer.claims import Claimed
from callcenter.dialer.models import Campaign
from callcenter.dialer.pacing import Floor
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.records import AgentStatus


@dataclass(frozen=True)
class DialerPlan:
    """Where the dialer's calls go on the PBX (extensions.conf's ``dialer`` context)."""

    plan: DialPlan
    context: str = "dialer"
    default_zone: str = "Europe/Moscow"


def campaign_agents(agents: list[Agent], campaign: Campaign, extensions: set[str]) -> list[Agent]:
    """The agents who take the campaign's calls: its queue's members, else its own agents
    (by extension; they must be logged into a queue to be seen)."""
    if campaign.queue:
        return [a for a in agents if campaign.queue in a.members]
    return [a for a in agents if a.extension in extensions and a.members]


def floor_of(
    agents: list[Agent], calls: list[DialerCall], now: datetime, look_ahead_s: float
) -> Floor:
    """The pacing's view: free, about free and talking agents; calls ringing and waiting."""
    ahead = now + timedelta(seconds=look_ahead_s)
    free = sum(1 for a in agents if a.status is AgentStatus.AVAILABLE)
    soon = sum(
        1
        for a in agents
        if a.status is AgentStatus.WRAP_UP
        and a.wrapup_until is not None
        and a.wrapup_until <= ahead
    )
    on_call = sum(1 for a in agents if a.status is AgentStatus.ON_CALL)
    ringing = tuple(
        (now - c.dialed_at).total_seconds()
        for c in calls
        if c.answered_at is None and not c.outcome and c.dialed_at is not None
    )
    waiting = sum(1 for c in calls if c.answered_at is not None and c.connected_at is None)
    return Floor(free, soon, on_call, ringing, waiting)


def free_targets(agents: list[Agent], calls: list[DialerCall]) -> list[str]:
    """Extensions of free agents no call of ours is ringing for (agent-list campaigns)."""
    taken = {c.target for c in calls if c.target}
    return sorted(
        a.extension
        for a in agents
        if a.status is AgentStatus.AVAILABLE and a.extension not in taken
    )


def originate(
    claimed: Claimed, campaign: Campaign, where: DialerPlan, exten: str
) -> dict[str, Any]:
    """The Originate of one attempt: the customer through the dialer context, then the
    campaign's queue or agent; ActionID and ChannelId are the attempt's, so every event of
    the call carries it as its Linkedid."""
    context = where.context
    action: dict[str, Any] = {
        "Action": "Originate",
        "ActionID": claimed.action_id,
        "ChannelId": claimed.action_id,
        "Channel": f"Local/{where.plan.dial_number(claimed.e164)}@{context}",
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "Timeout": str(max(5, campaign.ring_seconds) * 1000),
        "Async": "true",
        "Variable": [
            f"CRM_CAMPAIGN={campaign.id}",
            f"CRM_CONTACT={claimed.contact_id}",
            f"CRM_ATTEMPT={claimed.attempt_id}",
        ],
    }
    shown = campaign.caller_id or where.plan.caller_id
    if shown:
        action["CallerID"] = f"<{shown}>"
        action["Variable"].append(f"CRM_CALLERID={shown}")
    return action
