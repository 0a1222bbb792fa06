"""Call results by day: campaign dispositions (with the refusal reason) and the generic
wrap-up results operators set after any call.

A result counts on the UTC day it was recorded (an attempt's ``dispositioned_at``, a
wrap-up's ``created_at``), under its campaign (0 for a wrap-up), the agent who set it, the
client's segment and channel, its kind and code. A campaign disposition's kind is the one the
campaign gives its code (success, refusal, callback, other); a wrap-up's is "success" for a
sale, "callback" for a follow-up, "other" for the rest. ``ordered_after``: the client took an
order at or after the result; ``after_complaint``: the client had complained before it.

The first build fills the days (and the results' ledger, ``ledger.py``); afterwards a
refresh adds the difference of the results recorded since, those of clients saved, taking or
changing an order or complaining since, and those gone with a deletion (``deletions.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallWrapup
from callcenter.dialer.models import CampaignAttempt
from callcenter.reports.refusals.ledger import add_changed_results, fill_result_days
from callcenter.reports.refusals.results import campaign_results, wrapup_results
from callcenter.reports.rollups.days import DayRollup, day_of
from callcenter.reports.rollups.refresh import Rollup
from callcenter.reports.sales.models import SLICES, disposition_days


def disposition_facts(lo: datetime, hi: datetime) -> Any:
    results = union_all(campaign_results(lo, hi), wrapup_results(lo, hi)).subquery("results")
    dims = [
        results.c.day,
        results.c.source,
        results.c.campaign_id,
        results.c.agent_id,
        results.c.segment_id,
        results.c.channel_id,
        results.c.kind,
        results.c.code,
        results.c.reason,
    ]
    return select(
        *dims,
        func.count().label("results"),
        func.count().filter(results.c.ordered).label("ordered_after"),
        func.count().filter(results.c.complained).label("after_complaint"),
    ).group_by(*dims)


def _no_select(since: datetime | None) -> Any:
    raise AssertionError("result days are found by touched_results")


async def touched_results(session: AsyncSession, since: datetime | None) -> list[datetime]:
    """Every day with a result (the first build); afterwards the results changed since
    ``since`` are added as differences (``ledger.py``): no day to rebuild."""
    if since is None:
        attempts = select(day_of(CampaignAttempt.dispositioned_at)).where(
            CampaignAttempt.dispositioned_at.isnot(None)
        )
        days = union(attempts, select(day_of(CallWrapup.created_at))).subquery()
        return [d for (d,) in await session.execute(select(days))]
    await add_changed_results(session, since, DISPOSITION_DAYS)
    return []


async def rebuild_results(session: AsyncSession, days: list[datetime]) -> None:
    await fill_result_days(session, days)
    await DISPOSITION_DAYS.rebuild(session, days)


DISPOSITION_DAYS = DayRollup(
    disposition_days, disposition_facts, _no_select, slices=SLICES[disposition_days.name]
)

ROLLUPS = (Rollup(disposition_days.name, touched_results, rebuild_results, chunk=31),)
