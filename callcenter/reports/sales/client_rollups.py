"""The clients' rollups: leads and how far they got (the funnel), and calls by the client's
channel, segment and owner.

Funnel stages of a client (each implies the ones before it, so the funnel never widens):
- lead: the client, counted on the day they were created (merged duplicates left out);
- contacted: a call with them was answered, a campaign call reached an agent, or they
  reached a later stage;
- interested: a campaign call with them ended in a disposition of kind "success" or
  "callback", or a call's wrap-up said "sale" or "follow up", or they ordered;
- ordered: they have an order (even one cancelled later);
- delivered: one of their orders reached a final stage.

``report_client_milestones`` keeps when each client reached each stage. A refresh recomputes
the milestones of the clients whose row, calls, orders, campaign dispositions (once recorded)
or wrap-ups changed since the mark, or who were deleted (``deletions.py``), and adds the
difference to the lead days: no day is rebuilt, so it costs what changed, not the days
those clients came on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.functions import coalesce

from callcenter.calls.models import CallRow
from callcenter.clients.models import Client
from callcenter.reports.rollups.days import DayRollup, add_delta, day_of
from callcenter.reports.rollups.deletions import DELETED_CLIENTS
from callcenter.reports.rollups.hours import CUSTOM_PLANS
from callcenter.reports.rollups.models import ReportDeletion
from callcenter.reports.rollups.refresh import Rollup
from callcenter.reports.sales.models import SLICES, call_days, client_days, client_milestones

CHANGED_CLIENTS = f"""
    SELECT id FROM clients WHERE updated_at > :since
    UNION SELECT client_id FROM calls WHERE updated_at > :since AND client_id IS NOT NULL
    UNION SELECT client_id FROM orders WHERE updated_at > :since
    UNION SELECT cc.client_id FROM campaign_attempts a
          JOIN campaign_contacts cc ON cc.id = a.contact_id
          WHERE a.dispositioned_at > :since AND cc.client_id IS NOT NULL
    UNION SELECT k.client_id FROM call_wrapups w JOIN calls k ON k.id = w.call_id
          WHERE w.created_at > :since AND k.client_id IS NOT NULL
    UNION {DELETED_CLIENTS}
"""


def milestones(of_ids: bool) -> str:
    """The milestones of every client, or (``of_ids``) of the clients in ``:ids``, upserted.
    Set-based: each source is read once for all the clients at hand and grouped by client,
    then joined to the clients; a call's wrap-ups are looked up by the call (an index probe
    each, never a scan of every wrap-up for a few clients)."""

    def of_clients(column: str) -> str:
        return f"AND {column} = ANY(:ids)" if of_ids else ""

    return f"""
WITH leads AS (
    SELECT c.id, c.created_at, coalesce(c.owner_id, 0) AS owner_id,
        coalesce(c.channel_id, 0) AS channel_id, coalesce(c.segment_id, 0) AS segment_id
    FROM clients c WHERE c.merged_into_id IS NULL {of_clients("c.id")}
),
by_calls AS (
    SELECT k.client_id, min(k.answered_at) AS answered_at,
        min((SELECT min(w.created_at) FROM call_wrapups w
             WHERE w.call_id = k.id AND w.result IN ('sale', 'follow_up'))) AS interest_at
    FROM calls k WHERE k.client_id IS NOT NULL {of_clients("k.client_id")}
    GROUP BY k.client_id
),
interesting AS (  -- the dispositions of each campaign that show interest
    SELECT k.id AS campaign_id, d->>'code' AS code
    FROM campaigns k, jsonb_array_elements(k.dispositions) d
    WHERE d->>'kind' IN ('success', 'callback')
),
by_campaigns AS (
    SELECT cc.client_id, min(a.connected_at) AS reached_at,
        min(a.dispositioned_at) FILTER (WHERE i.code IS NOT NULL) AS interest_at
    FROM campaign_contacts cc JOIN campaign_attempts a ON a.contact_id = cc.id
    LEFT JOIN interesting i ON i.campaign_id = a.campaign_id AND i.code = a.disposition
        AND a.disposition <> ''
    WHERE cc.client_id IS NOT NULL {of_clients("cc.client_id")}
    GROUP BY cc.client_id
),
by_orders AS (
    SELECT o.client_id, min(o.created_at) AS first_at,
        min(o.status_changed_at) FILTER (WHERE s.kind = 'final') AS delivered_at
    FROM orders o JOIN order_statuses s ON s.id = o.status_id
    WHERE o.client_id IS NOT NULL {of_clients("o.client_id")}
    GROUP BY o.client_id
)
INSERT INTO report_client_milestones AS m (client_id, created_at, owner_id, channel_id,
    segment_id, contacted_at, interested_at, ordered_at, delivered_at)
SELECT l.id, l.created_at, l.owner_id, l.channel_id, l.segment_id,
    least(k.answered_at, a.reached_at, a.interest_at, k.interest_at, o.first_at),
    least(a.interest_at, k.interest_at, o.first_at), o.first_at, o.delivered_at
FROM leads l
LEFT JOIN by_calls k ON k.client_id = l.id
LEFT JOIN by_campaigns a ON a.client_id = l.id
LEFT JOIN by_orders o ON o.client_id = l.id
ON CONFLICT (client_id) DO UPDATE SET
    created_at = excluded.created_at, owner_id = excluded.owner_id,
    channel_id = excluded.channel_id, segment_id = excluded.segment_id,
    contacted_at = excluded.contacted_at, interested_at = excluded.interested_at,
    ordered_at = excluded.ordered_at, delivered_at = excluded.delivered_at
WHERE (m.created_at, m.owner_id, m.channel_id, m.segment_id, m.contacted_at, m.interested_at,
    m.ordered_at, m.delivered_at) IS DISTINCT FROM (excluded.created_at, excluded.owner_id,
    excluded.channel_id, excluded.segment_id, excluded.contacted_at, excluded.interested_at,
    excluded.ordered_at, excluded.delivered_at)  -- a row that stays is not written again
"""


_SIGNED_DAYS = """
    SELECT date_trunc('day', created_at, 'UTC'), owner_id, channel_id, segment_id, sign,
        sign * (contacted_at IS NOT NULL)::int, sign * (interested_at IS NOT NULL)::int,
        sign * (ordered_at IS NOT NULL)::int, sign * (delivered_at IS NOT NULL)::int
    FROM (SELECT m.*, 1 AS sign FROM report_client_milestones m
          WHERE client_id IN (SELECT id FROM report_changed_clients)
          UNION ALL SELECT *, -1 FROM report_old_milestones) rows
"""


async def refresh_milestones(session: AsyncSession, since: datetime | None) -> list[datetime]:
    """Recompute the milestones of the clients changed since ``since``: when None, all of
    them, and the UTC days to build; else only theirs, and the difference is added to the
    days the clients came on (no day is rebuilt: a refresh costs what changed)."""
    if since is None:
        await session.execute(text("DELETE FROM report_client_milestones"))
        await session.execute(text(milestones(of_ids=False)))
        rows = await session.execute(select(day_of(Client.created_at)).distinct())
        return [day for (day,) in rows]
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_changed_clients ON COMMIT DROP AS "
            f"SELECT id FROM ({CHANGED_CLIENTS}) changed(id)"
        ),
        {"since": since},
    )
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_old_milestones ON COMMIT DROP AS "
            "SELECT * FROM report_client_milestones "
            "WHERE client_id IN (SELECT id FROM report_changed_clients)"
        )
    )
    ids = list(await session.scalars(text("SELECT id FROM report_changed_clients")))
    await session.execute(text(CUSTOM_PLANS))  # planned for this many clients
    await session.execute(text(milestones(of_ids=True)), {"ids": ids})
    await session.execute(  # merged into another client or deleted: no longer a lead
        text(
            "DELETE FROM report_client_milestones m "
            "WHERE m.client_id IN (SELECT id FROM report_changed_clients) "
            "AND NOT EXISTS (SELECT FROM clients c WHERE c.id = m.client_id "
            "AND c.merged_into_id IS NULL)"
        )
    )
    await add_delta(session, CLIENT_DAYS, _SIGNED_DAYS, {})
    for name in ("report_changed_clients", "report_old_milestones"):
        await session.execute(text(f"DROP TABLE {name}"))
    return []


def client_facts(lo: datetime, hi: datetime) -> Any:
    m = client_milestones.c
    dims = [day_of(m.created_at).label("day"), m.owner_id, m.channel_id, m.segment_id]
    return (
        select(
            *dims,
            func.count().label("leads"),
            func.count(m.contacted_at).label("contacted"),
            func.count(m.interested_at).label("interested"),
            func.count(m.ordered_at).label("ordered"),
            func.count(m.delivered_at).label("delivered"),
        )
        .where(m.created_at >= lo, m.created_at < hi)
        .group_by(*dims)
    )


def _no_select(since: datetime | None) -> Any:
    raise AssertionError("client days are found by refresh_milestones")


def call_facts(lo: datetime, hi: datetime) -> Any:
    dims: list[Any] = [
        day_of(CallRow.started_at).label("day"),
        coalesce(Client.owner_id, 0).label("owner_id"),
        coalesce(Client.channel_id, 0).label("channel_id"),
        coalesce(Client.segment_id, 0).label("segment_id"),
    ]
    return (
        select(
            *dims,
            func.count().label("calls"),
            func.count(CallRow.answered_at).label("answered"),
            coalesce(func.sum(CallRow.talk_seconds), 0.0).label("talk_seconds"),
        )
        .join(Client, Client.id == CallRow.client_id)
        .where(CallRow.started_at >= lo, CallRow.started_at < hi)
        .group_by(*dims)
    )


def changed_call_days(since: datetime | None) -> Any:
    day = day_of(CallRow.started_at)
    if since is None:
        return select(day).where(CallRow.client_id.isnot(None)).distinct()
    return select(
        union(
            select(day).where(CallRow.updated_at > since, CallRow.client_id.isnot(None)),
            select(day)
            .join(Client, Client.id == CallRow.client_id)
            .where(Client.updated_at > since),
            select(day_of(ReportDeletion.at)).where(ReportDeletion.deleted_at > since),
        ).subquery()
    )


CLIENT_DAYS = DayRollup(
    client_days, client_facts, _no_select, chunk=92, slices=SLICES[client_days.name]
)
CALL_DAYS = DayRollup(call_days, call_facts, changed_call_days, slices=SLICES[call_days.name])

ROLLUPS = (
    Rollup(client_days.name, refresh_milestones, CLIENT_DAYS.rebuild, chunk=92),
    CALL_DAYS.rollup(),
)
