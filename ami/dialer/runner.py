"""The dialer: runs in the process that leads the PBX, beside the listener, once a second.

The listener hands it the tracker updates of its calls (``hear``: a prefix check per update,
nothing per AMI event) and tells it when the live state was resynced. Each cycle, on its
own: write the outcomes and progress that became known; after a resync, resolve attempts in
flight that nobody heard of; then for every running campaign, pace (``pacing.Pacer``),
claim due contacts and record their attempts (committed), and only then send their
Originates, never resent. The campaign's dial ratio and a ``campaign`` live notification
go out at most once a cycle, when its figures moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.dialer.outcomes import resolve_unheard, stale, write_calls
from ami.dialer.placing import DialerPlan, campaign_agents, floor_of, free_targets, originate
from ami.dialer.watch import CallWatch, DialerCall, decide, is_dialer
from ami.floor.agents import Agent
from ami.link import PbxLink
from ami.tracker.updates import OriginateResult, TrackerUpdate
from callcenter.calls.records import Call
from callcenter.db import database_unreachable
from callcenter.dialer.campaigns import finished
from callcenter.dialer.claims import claim_contacts
from callcenter.dialer.idle import Idle, Staffing, contact_outlook, logged_in, why_idle
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.pacing import Pacer
from callcenter.leadership import NotLeading
from callcenter.live import LiveKind, notify
from callcenter.users.models import User
from callcenter.webhooks.service import enqueue

log = logging.getLogger(__name__)

SEED_ATTEMPTS = 200


class DialerRunner:
    def __init__(
        self,
        *,
        pbx: str,
        link: PbxLink,
        sessionmaker: async_sessionmaker[Any],
        agents: Callable[[], list[Agent]],
        live_calls: Callable[[], list[Call]],
        where: DialerPlan,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.pbx_names = (pbx, "default")  # one PBX per installation: "default" is this one
        self.link = link
        self.sessionmaker = sessionmaker
        self.agents = agents
        self.live_calls = live_calls
        self.where = where
        self.watch = CallWatch()
        self.pacers: dict[int, Pacer] = {}
        self.campaigns: dict[int, Campaign] = {}
        self.resync_pending = False
        self.placed = 0
        self.idle: dict[int, Idle | None] = {}  # why each running campaign waits, as last seen
        self.clock = clock

    # -- from the listener (its event loop, no I/O) -----------------------------------------

    def hear(self, updates: list[tuple[TrackerUpdate, float]]) -> None:
        for change, at in updates:
            key = change.action_id if isinstance(change, OriginateResult) else change.call.linkedid
            if is_dialer(key):
                self.watch.hear(change, at)

    def resynced(self) -> None:
        self.resync_pending = True

    # -- the cycle -------------------------------------------------------------------------

    async def run_forever(self, every_s: float = 1.0) -> None:
        while True:
            try:
                await self.cycle()
            except NotLeading:
                raise
            except Exception as exc:
                if database_unreachable(exc):
                    log.warning("dialer: waiting for the database (%s)", exc)
                else:
                    log.exception("dialer: a cycle failed")
            await asyncio.sleep(every_s)

    async def cycle(self) -> None:
        now = self.clock()
        moved = await self._write(now)
        if not self.link.connected:
            return
        if self.resync_pending:
            async with self.sessionmaker.begin() as session:
                self.resync_pending = not await resolve_unheard(
                    session,
                    watch=self.watch,
                    pbx_names=self.pbx_names,
                    live_calls=self.live_calls(),
                    now=now,
                )
        async with self.sessionmaker() as session:
            running = list(
                await session.scalars(
                    select(Campaign).where(
                        Campaign.state == "running",
                        Campaign.pbx.in_(self.pbx_names),
                        Campaign.mode != "preview",
                    )
                )
            )
        self.campaigns.update({c.id: c for c in running})
        for campaign in running:
            if await self._dial(campaign, now):
                moved.add(campaign.id)
        await self._announce(running, moved, now)
        self.watch.forget_done()

    async def _write(self, now: datetime) -> set[int]:
        pending: list[DialerCall] = []
        for call in self.watch.calls.values():
            campaign = self.campaigns.get(call.campaign_id or 0)
            grace = timedelta(seconds=campaign.abandon_grace_seconds if campaign else 2)
            if not call.written and not call.outcome:
                call.outcome = decide(call, now, grace)
                ring = timedelta(seconds=campaign.ring_seconds if campaign else 60)
                if not call.outcome and stale(call, now, ring):
                    call.outcome = "failed"
            if (call.outcome and not call.written) or call.progress:
                pending.append(call)
        if not pending:
            return set()
        ended = [c for c in pending if c.ended is not None and c.connected_at is not None]
        written = await write_calls(self.sessionmaker, pending, now)
        for call in written:
            self._measure(call, now)
        for call in ended:
            pacer = self.pacers.get(call.campaign_id or 0)
            if pacer is not None and call.ended and call.ended.ended_at and call.connected_at:
                talk = (call.ended.ended_at - call.connected_at).total_seconds()
                pacer.call_handled(talk_seconds=talk)
        return {c.campaign_id for c in written if c.campaign_id is not None}

    def _measure(self, call: DialerCall, now: datetime) -> None:
        pacer = self.pacers.get(call.campaign_id or 0)
        if pacer is None or call.dialed_at is None:
            return
        live = call.outcome in ("answered", "abandoned")
        until = call.answered_at if live else (call.ended.ended_at if call.ended else None)
        seconds = ((until or now) - call.dialed_at).total_seconds()
        pacer.attempt_finished(live=live, seconds=seconds)
        if live:
            pacer.live_answer(abandoned=call.outcome == "abandoned")

    # -- placing calls ---------------------------------------------------------------------

    async def _dial(self, campaign: Campaign, now: datetime) -> bool:
        """Place the calls the pacing asks for, when ``why_idle`` (what the pages show too)
        says the campaign may dial; a reason that changed goes out as a live notification."""
        pacer = await self._pacer(campaign)
        calls = self.watch.live(campaign.id)
        extensions = await self._extensions(campaign)
        agents = campaign_agents(self.agents(), campaign, extensions)
        targets: list[str] = []
        if campaign.queue:
            floor = floor_of(agents, calls, now, pacer.look_ahead_s)
            count = pacer.calls_to_place(floor, now.timestamp())
        else:
            targets = free_targets(agents, calls)
            count = len(targets)
        claimed = []
        async with self.sessionmaker.begin() as session:
            outlook = await contact_outlook(
                session, campaign=campaign, now=now, default_zone=self.where.default_zone
            )
            idle = why_idle(campaign, Staffing(logged_in(a.status for a in agents), count), outlook)
            if idle is None and count > 0:
                claimed = await claim_contacts(
                    session,
                    campaign=campaign,
                    count=count,
                    now=now,
                    default_zone=self.where.default_zone,
                )
        moved = self._note_idle(campaign, idle)
        if not claimed and not calls:
            await self._finish_if_done(campaign, now)
        for index, claim in enumerate(claimed):
            target = targets[index] if targets else ""
            call = self.watch.track(claim.action_id)
            call.campaign_id, call.dialed_at, call.target = campaign.id, now, target
            action = originate(claim, campaign, self.where, target or campaign.queue)
            asyncio.get_running_loop().create_task(self._send(call, action))
        self.placed += len(claimed)
        return bool(claimed) or moved

    def _note_idle(self, campaign: Campaign, idle: Idle | None) -> bool:
        """Remember why the campaign waits; True when that changed (the pages are told)."""
        if self.idle.get(campaign.id) == idle:
            return False
        self.idle[campaign.id] = idle
        if idle is None:
            log.info("dialer: campaign %s dials", campaign.id)
        else:
            log.info("dialer: campaign %s waits: %s until %s", campaign.id, idle.reason, idle.until)
        return True

    async def _send(self, call: DialerCall, action: dict[str, Any]) -> None:
        """Send once. Refused: failed at once; lost with the link: the resync tells."""
        try:
            answer = await self.link.send(action, wait_s=10)
        except Exception as exc:
            log.warning("dialer: originate %s not confirmed: %s", call.action_id, exc)
            return
        if str(answer.get("Response", "")).lower() != "success":
            log.warning("dialer: originate %s refused: %s", call.action_id, answer.get("Message"))
            call.outcome = call.outcome or "failed"

    async def _pacer(self, campaign: Campaign) -> Pacer:
        pacer = self.pacers.get(campaign.id)
        if pacer is None:
            pacer = self.pacers[campaign.id] = Pacer(campaign.mode)
            await self._seed(pacer, campaign.id)
        pacer.mode = campaign.mode
        pacer.max_dial_ratio = float(campaign.max_dial_ratio)
        pacer.abandon_cap_percent = float(campaign.abandon_cap_percent)
        pacer.grace_s = float(campaign.abandon_grace_seconds)
        return pacer

    async def _seed(self, pacer: Pacer, campaign_id: int) -> None:
        """What the campaign measured before this process led (a restart loses nothing)."""
        a = CampaignAttempt
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(a.outcome, a.started_at, a.answered_at, a.ended_at)
                    .where(a.campaign_id == campaign_id, a.outcome.not_in(("", "skipped")))
                    .order_by(a.started_at.desc())
                    .limit(SEED_ATTEMPTS)
                )
            ).all()
            lives = list(
                await session.scalars(
                    select(a.outcome).where(
                        a.campaign_id == campaign_id, a.outcome.in_(("answered", "abandoned"))
                    )
                )
            )
        for outcome, started, answered, ended in reversed(rows):
            live = outcome in ("answered", "abandoned")
            until = answered if live else ended
            seconds = (until - started).total_seconds() if until else None
            pacer.attempt_finished(live=live, seconds=seconds)
        for outcome in lives:
            pacer.live_answer(abandoned=outcome == "abandoned")

    async def _extensions(self, campaign: Campaign) -> set[str]:
        if campaign.queue or not campaign.agent_ids:
            return set()
        async with self.sessionmaker() as session:
            found = await session.scalars(
                select(User.extension).where(User.id.in_(campaign.agent_ids))
            )
            return {e for e in found if e}

    # -- figures ---------------------------------------------------------------------------

    async def _finish_if_done(self, campaign: Campaign, now: datetime) -> None:
        """Running -> finished when no contact is left to dial or being dialed."""
        c = CampaignContact
        async with self.sessionmaker.begin() as session:
            left = await session.scalar(
                select(
                    exists().where(
                        c.campaign_id == campaign.id,
                        c.state.in_(("pending", "retry", "dialing")),
                    )
                )
            )
            if left:
                return
            done = await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign.id, Campaign.state == "running")
                .values(state="finished", stopped_at=now)
            )
            if done.rowcount:  # type: ignore[attr-defined]
                log.info("dialer: campaign %s finished", campaign.id)
                event = finished(campaign) | {"state": "finished", "stopped_at": now}
                await enqueue(session, "campaign.finished", f"campaign:{campaign.id}", event)
                await notify(session, LiveKind.CAMPAIGN, id=campaign.id, event_at=now.timestamp())

    async def _announce(self, running: list[Campaign], moved: set[int], now: datetime) -> None:
        """The dial ratio and a live notification, for campaigns whose figures moved."""
        changed = []
        for campaign in running:
            pacer = self.pacers.get(campaign.id)
            ratio = Decimal(str(round(pacer.dial_ratio, 2))) if pacer else Decimal("1.00")
            if ratio != campaign.dial_ratio or campaign.id in moved:
                changed.append((campaign, ratio))
        gone = moved - {c.id for c in running}
        if not changed and not gone:
            return
        async with self.sessionmaker.begin() as session:
            for campaign, ratio in changed:
                await session.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign.id)
                    .values(dial_ratio=ratio, paced_at=now)
                )
                campaign.dial_ratio = ratio
            for campaign_id in sorted({c.id for c, _ in changed} | gone):
                await notify(session, LiveKind.CAMPAIGN, id=campaign_id, event_at=now.timestamp())
