"""Call control from the screen: hang up, transfer (blind or attended), park, and a
supervisor's listen, whisper or barge.

Each is a ``PbxCommand`` the leading listener sends once as the AMI action the recorded
transcripts show (06a BlindTransfer, 06b Atxfer, 06d Park, 08a-c an Originate into
``crm-spy``). An operator controls only a live call they are on (a live leg of theirs); a
supervisor may listen to any live agent call. The call's own events then record what
happened (a transfer in its timeline); the operator's note for the next agent travels with
the transfer command and pops with the call at the next agent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.calls.models import CallLegRow, CallRow
from callcenter.calls.records import SPY_PREFIX
from callcenter.errors import Forbidden, Invalid, NotFound
from callcenter.floor.dialplan import DialPlan
from callcenter.floor.models import PbxCommand, QueueRow
from callcenter.floor.service import _extension, queue_command
from callcenter.i18n import N_
from callcenter.phones import PhoneError, parse_phone
from callcenter.users.models import User

TRANSFER_CONTEXT = "internal"  # agents by extension and queues by name (asterisk-config)
SPY_CONTEXT = "crm-spy"
SPY_MODES = ("listen", "whisper", "barge")
TRANSFER_KINDS = {"blind": "blind_transfer", "attended": "attended_transfer"}
TARGET_KINDS = ("agent", "queue", "number")
PARK_TIMEOUT_MS = 45_000  # back to the agent who parked it after this long
NOTE_MAX = 1000


@dataclass(frozen=True)
class LiveCall:
    call: CallRow
    legs: list[CallLegRow]  # the live ones

    def leg_of(self, user: User) -> CallLegRow | None:
        mine = [leg for leg in self.legs if leg.user_id == user.id and leg.answered_at]
        return _bridged_first(mine)

    def agent_leg(self, extension: str = "") -> CallLegRow | None:
        agents = [leg for leg in self.legs if leg.agent and leg.answered_at]
        if extension:
            agents = [leg for leg in agents if leg.agent == extension]
        return _bridged_first(agents)

    def customer_leg(self) -> CallLegRow | None:
        """The customer's channel in the bridge: of the live non-agent legs, not the call's
        first channel when there are others (a Local pair's originating half, 01), and then
        the dialed half of a Local pair (``;1``) when both halves are there (05)."""
        party = [leg for leg in self.legs if not leg.agent]
        if len(party) > 1:
            party = [leg for leg in party if leg.uniqueid != self.call.linkedid] or party
        if len(party) > 1:
            party = [leg for leg in party if leg.channel.endswith(";1")] or party
        return party[0] if party else None


def _bridged_first(legs: list[CallLegRow]) -> CallLegRow | None:
    """The agent's channel in the call's bridge: a Local agent is two halves, and the ``;1``
    one is bridged (06a transfers it); its ``;2`` half runs the phone."""
    return min(legs, key=lambda leg: leg.channel.endswith(";2"), default=None)


async def live_call(session: AsyncSession, linkedid: str) -> LiveCall:
    call = await session.scalar(
        select(CallRow).where(CallRow.linkedid == linkedid, CallRow.ended_at.is_(None))
    )
    if call is None:
        raise NotFound(N_("This call is over"))
    legs = await session.scalars(
        select(CallLegRow)
        .where(CallLegRow.call_id == call.id, CallLegRow.ended_at.is_(None))
        .order_by(CallLegRow.started_at, CallLegRow.id)
    )
    return LiveCall(call, list(legs))


async def _my_leg(session: AsyncSession, linkedid: str, user: User) -> tuple[LiveCall, CallLegRow]:
    live = await live_call(session, linkedid)
    leg = live.leg_of(user)
    if leg is None:
        raise Forbidden(N_("You are not on this call"))
    return live, leg


async def hang_up(
    session: AsyncSession, *, linkedid: str, user: User, plan: DialPlan
) -> PbxCommand:
    """End the user's own leg of the call (AMI Hangup, cause 16)."""
    _, leg = await _my_leg(session, linkedid, user)
    payload = {"channel": leg.channel}
    return await queue_command(
        session, kind="hangup", payload=payload, user=user, pbx=plan.pbx, linkedid=linkedid
    )


async def _target_exten(
    session: AsyncSession, plan: DialPlan, target_kind: str, target: str, region: str
) -> tuple[str, str]:
    """(context, exten) of a transfer's target: an agent's extension, a queue, a number."""
    target = target.strip()
    if target_kind == "agent":
        if not target.isdigit() or len(target) > 10:
            raise Invalid(N_("Give the agent's extension"), fields={"target": N_("Digits only")})
        return TRANSFER_CONTEXT, target
    if target_kind == "queue":
        row = await session.scalar(
            select(QueueRow).where(QueueRow.pbx == plan.pbx, QueueRow.name == target)
        )
        if row is None:
            raise Invalid(N_("No such queue"), fields={"target": N_("No such queue")})
        return TRANSFER_CONTEXT, row.name
    if target_kind == "number":
        try:
            e164 = parse_phone(target, region).e164
        except PhoneError as exc:
            raise Invalid(str(exc), fields={"target": str(exc)}) from None
        return plan.outbound_context, plan.dial_number(e164)
    raise Invalid(N_("Transfer to an agent, a queue or a number"))


async def transfer(
    session: AsyncSession,
    *,
    linkedid: str,
    user: User,
    plan: DialPlan,
    attended: bool,
    target_kind: str,
    target: str,
    note: str = "",
    region: str = "RU",
) -> PbxCommand:
    """Transfer the call from the user's leg: blind (BlindTransfer: the call goes on at
    once) or attended (Atxfer: the user talks to the target first, then hangs up to hand
    the caller over). The note goes with the call to the next agent's pop."""
    _, leg = await _my_leg(session, linkedid, user)
    context, exten = await _target_exten(session, plan, target_kind, target, region)
    payload = {
        "channel": leg.channel,
        "context": context,
        "exten": exten,
        "target_kind": target_kind,
        "target": target.strip()[:80],
        "note": note.strip()[:NOTE_MAX],
        "from_agent": leg.agent,
    }
    kind = TRANSFER_KINDS["attended" if attended else "blind"]
    return await queue_command(
        session, kind=kind, payload=payload, user=user, pbx=plan.pbx, linkedid=linkedid
    )


async def park(session: AsyncSession, *, linkedid: str, user: User, plan: DialPlan) -> PbxCommand:
    """Park the customer (AMI Park): they wait in the lot, and come back to the user's phone
    after ``PARK_TIMEOUT_MS`` unless someone picks them up (06d)."""
    live, leg = await _my_leg(session, linkedid, user)
    customer = live.customer_leg()
    if customer is None:
        raise Invalid(N_("There is nobody on this call to park"))
    payload = {
        "channel": customer.channel,
        "timeout_channel": leg.channel,
        "timeout_ms": PARK_TIMEOUT_MS,
    }
    return await queue_command(
        session, kind="park", payload=payload, user=user, pbx=plan.pbx, linkedid=linkedid
    )


async def spy(
    session: AsyncSession,
    *,
    linkedid: str,
    supervisor: User,
    mode: str,
    plan: DialPlan,
    agent: str = "",
) -> PbxCommand:
    """Ring the supervisor's phone into the agent's call: listen (neither side hears the
    supervisor), whisper (the agent does) or barge (both do). Audited."""
    if mode not in SPY_MODES:
        raise Invalid(N_("Listen, whisper or barge"))
    extension = _extension(supervisor)
    live = await live_call(session, linkedid)
    leg = live.agent_leg(agent)
    if leg is None:
        raise NotFound(N_("No agent is talking on this call"))
    if leg.user_id == supervisor.id:
        raise Invalid(N_("This is your own call"))
    channel_id = f"{SPY_PREFIX}{uuid.uuid4().hex[:20]}"
    payload = {
        "channel": plan.agent_channel(extension),
        "context": SPY_CONTEXT,
        "exten": mode,
        "spy_on": leg.channel,
        "channel_id": channel_id,
        "agent": leg.agent,
        "extension": extension,
    }
    command = await queue_command(
        session, kind="spy", payload=payload, user=supervisor, pbx=plan.pbx, linkedid=linkedid
    )
    await record_change(
        session,
        actor=supervisor,
        entity="call",
        entity_id=live.call.id,
        action=f"spy_{mode}",
        changes={"agent": [None, leg.agent], "linkedid": [None, linkedid]},
    )
    return command
