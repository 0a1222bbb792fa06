"""Why a campaign is not dialing right now: one answer for the dialer and for every page.

``why_idle`` is the predicate: the dialer's cycle claims contacts only when it answers None,
and the campaign pages, the figures they fetch again and the API show what it answers, so
the pages cannot say "dialing" while the dialer waits, nor the reverse. Its facts:

- the campaign's state (a paused, unstarted, stopped or finished campaign does not dial);
- ``ContactOutlook``, read by ``contact_outlook`` the same way by both (the due contacts in
  the order the dialer claims them, each in its own call window, see ``windows``): none left,
  or every one waiting for its window or for a retry, and until when;
- ``Staffing``: agents logged in to take the calls, and how many calls the pacing would place
  now (the dialer's own pacer; a page counts free agents less the calls in flight, which is
  the progressive pacer's rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import any_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer import windows
from callcenter.dialer.claims import fill_time_zones
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.floor.models import AgentRow
from callcenter.floor.records import AgentStatus
from callcenter.i18n import N_
from callcenter.users.models import User

OUTLOOK_SAMPLE = 50  # the first due contacts looked at, in the order the dialer takes them
OFF_DUTY = frozenset({AgentStatus.LOGGED_OUT, AgentStatus.UNAVAILABLE})

PAUSED, NOT_STARTED, STOPPED = "paused", "not_started", "stopped"
NO_CONTACTS, OUTSIDE_WINDOW, WAITING_RETRY = "no_contacts", "outside_window", "waiting_retry"
NO_AGENT, AGENTS_BUSY, DAYS_OVER = "no_agent", "agents_busy", "days_over"
# what each reason says; ``%(until)s`` is a time in the reader's format
MESSAGES = {
    PAUSED: N_("paused"),
    NOT_STARTED: N_("not started yet"),
    STOPPED: N_("stopped"),
    NO_CONTACTS: N_("no contacts left"),
    OUTSIDE_WINDOW: N_("outside the calling window until %(until)s"),
    WAITING_RETRY: N_("every contact waiting for a retry until %(until)s"),
    NO_AGENT: N_("no agent logged in"),
    AGENTS_BUSY: N_("all agents busy"),
    DAYS_OVER: N_("the campaign's calling days are over"),
}
_BY_STATE = {"draft": NOT_STARTED, "paused": PAUSED, "stopped": STOPPED, "finished": NO_CONTACTS}


@dataclass(frozen=True)
class Idle:
    """A reason (a key of ``MESSAGES``) and, for a wait, when it ends."""

    reason: str
    until: datetime | None = None

    @property
    def message(self) -> str:
        return MESSAGES[self.reason]


@dataclass(frozen=True)
class Staffing:
    logged_in: int  # agents taking the campaign's calls, logged in (paused ones too)
    may_dial: int  # calls the pacing would place now


@dataclass(frozen=True)
class ContactOutlook:
    left: int  # pending, retry or being dialed
    due: int  # of the first due ones, those whose window is open now
    next_at: datetime | None = None  # when the first waiting one may be dialed
    waits_for_window: bool = False  # that one waits for its window (else for a retry)
    days_over: bool = False  # some wait for a window that never opens again


def why_idle(campaign: Campaign, staffing: Staffing, outlook: ContactOutlook) -> Idle | None:
    """Why the campaign places no call now, or None when it dials (or may)."""
    if campaign.state != "running":
        return Idle(_BY_STATE.get(campaign.state, STOPPED))
    if outlook.left == 0:
        return Idle(NO_CONTACTS)
    if outlook.due == 0:
        if outlook.next_at is None:
            return Idle(DAYS_OVER) if outlook.days_over else None  # else: being dialed
        return Idle(OUTSIDE_WINDOW if outlook.waits_for_window else WAITING_RETRY, outlook.next_at)
    if campaign.mode == "preview":
        return None  # its agents take contacts themselves
    if staffing.logged_in == 0:
        return Idle(NO_AGENT)
    if staffing.may_dial <= 0:
        return Idle(AGENTS_BUSY)
    return None


def logged_in(statuses: Iterable[AgentStatus | str]) -> int:
    return sum(1 for s in statuses if AgentStatus(s) not in OFF_DUTY)


def staffing_of(statuses: Iterable[AgentStatus | str], in_flight: int) -> Staffing:
    """Staffing as a page counts it: one call per free agent, less the calls in flight."""
    seen = [AgentStatus(s) for s in statuses]
    free = sum(1 for s in seen if s is AgentStatus.AVAILABLE)
    return Staffing(logged_in(seen), max(0, free - in_flight))


async def contact_outlook(
    session: AsyncSession, *, campaign: Campaign, now: datetime, default_zone: str
) -> ContactOutlook:
    """How the campaign's contacts stand at ``now``: left, due in their window, or the
    first wait. Looks at the first contacts in the order the dialer claims them."""
    c = CampaignContact
    left = await session.scalar(
        select(func.count(c.id)).where(
            c.campaign_id == campaign.id, c.state.in_(("pending", "retry", "dialing"))
        )
    )
    rows = list(
        await session.scalars(
            select(c)
            .where(c.campaign_id == campaign.id, c.state.in_(("pending", "retry")))
            .order_by(c.next_at.asc().nulls_first(), c.id)
            .limit(OUTLOOK_SAMPLE)
        )
    )
    await fill_time_zones(session, rows, default_zone)
    schedule = windows.Schedule.of(campaign)
    due, first, for_window, over = 0, None, False, False
    openings: dict[tuple[tuple[str, ...], datetime], datetime | None] = {}  # zones repeat
    for contact in rows:
        zones = windows.zones_of(contact.timezone, contact.timezone_source, contact.e164,
                                 default_zone)  # fmt: skip
        start = contact.next_at if contact.next_at and contact.next_at > now else now
        if (zones, start) not in openings:
            openings[zones, start] = windows.next_opening(schedule, zones, start)
        opens = openings[zones, start]
        if opens is None:
            over = True
        elif opens == now:
            due += 1
        elif first is None or opens < first:
            first, for_window = opens, opens > start  # its window holds it past its time
    return ContactOutlook(left or 0, due, first, for_window, over)


async def campaign_idle(
    session: AsyncSession, *, campaign: Campaign, now: datetime, default_zone: str
) -> Idle | None:
    """``why_idle`` from what is stored: the floor's agents as the listener last wrote them,
    the attempts in flight, the contacts (what the pages and the API show)."""
    if campaign.state != "running":
        return why_idle(campaign, Staffing(0, 0), ContactOutlook(0, 0))
    agents = select(AgentRow.status)
    if campaign.pbx != "default":  # "default" is the installation's one PBX, whatever its name
        agents = agents.where(AgentRow.pbx == campaign.pbx)
    if campaign.queue:
        agents = agents.where(literal(campaign.queue) == any_(AgentRow.queues))
    else:
        extensions = select(User.extension).where(User.id.in_(campaign.agent_ids or []))
        agents = agents.where(
            AgentRow.extension.in_(extensions), func.cardinality(AgentRow.queues) > 0
        )
    statuses = list(await session.scalars(agents))
    in_flight = await session.scalar(
        select(func.count(CampaignAttempt.id)).where(
            CampaignAttempt.campaign_id == campaign.id, CampaignAttempt.outcome == ""
        )
    )
    outlook = await contact_outlook(session, campaign=campaign, now=now, default_zone=default_zone)
    return why_idle(campaign, staffing_of(statuses, in_flight or 0), outlook)
