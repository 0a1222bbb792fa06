"""The call results' ledger: each campaign result and wrap-up as ``report_disposition_days``
last counted it, so a refresh adds the difference of the results that changed instead of
rebuilding every day on which a changed client had a result.

A result's row depends on its client (segment, channel), on the client's orders (did they
buy after it) and complaints (did they complain before it). A refresh takes the results
recorded since the mark, those of clients saved, taking or changing an order or complaining
since, and for a deletion (``deletions.py``) those of the clients named and of the days
logged: their old rows (-1) and new rows (+1) go to the rollup and its slices
(``days.add_delta``), and the ledger keeps the new rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, literal_column, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.refusals.results import campaign_results, wrapup_results
from callcenter.reports.rollups.days import DayRollup, add_delta, day_ranges
from callcenter.reports.rollups.deletions import DELETED_CLIENTS, deleted_buckets
from callcenter.reports.sales.models import result_facts

_CLIENTS = f"""
    SELECT id FROM clients WHERE updated_at > :since
    UNION SELECT client_id FROM orders WHERE updated_at > :since
    UNION SELECT client_id FROM feedback WHERE created_at > :since
    UNION {DELETED_CLIENTS}
"""
CHANGED_RESULTS = f"""
    WITH clients AS ({_CLIENTS})
    SELECT 'campaign', id FROM campaign_attempts WHERE dispositioned_at > :since
    UNION SELECT 'call', id FROM call_wrapups WHERE created_at > :since
    UNION SELECT 'campaign', a.id FROM campaign_contacts cc
          JOIN campaign_attempts a ON a.contact_id = cc.id
          WHERE cc.client_id IN (SELECT id FROM clients) AND a.dispositioned_at IS NOT NULL
    UNION SELECT 'call', w.id FROM calls k JOIN call_wrapups w ON w.call_id = k.id
          WHERE k.client_id IN (SELECT id FROM clients)
    UNION SELECT source, result_id FROM report_result_facts
          WHERE client_id IN (SELECT id FROM clients)
    UNION SELECT source, result_id FROM report_result_facts
          WHERE day IN ({deleted_buckets("day")})
"""
NAMES = [c.name for c in result_facts.columns]
_SIGNED = """
    SELECT day, source, campaign_id, agent_id, segment_id, channel_id, kind, code, reason,
        sign, sign * ordered::int, sign * complained::int
    FROM (SELECT f.*, 1 AS sign FROM report_result_facts f
          WHERE (source, result_id) IN (SELECT * FROM report_changed_results)
          UNION ALL SELECT *, -1 FROM report_old_result_facts) rows
"""


def _ledger_rows(lo: datetime | None, hi: datetime | None, ids: str = "") -> Any:
    """The ledger's rows of the results recorded in [lo, hi), or of those changed (``ids``:
    the temporary table of them)."""

    def changed(source: str) -> Any:
        if not ids:
            return None
        found: Any = select(literal_column("result_id")).select_from(text(ids))
        return found.where(literal_column("source") == source)

    results = union_all(
        campaign_results(lo, hi, changed("campaign")), wrapup_results(lo, hi, changed("call"))
    ).subquery()
    return select(*(results.c[name] for name in NAMES))


async def fill_result_days(session: AsyncSession, days: list[datetime]) -> None:
    """The ledger's rows of results recorded on these days, afresh (the first build)."""
    await session.execute(delete(result_facts).where(result_facts.c.day.in_(days)))
    for lo, hi in day_ranges(days):
        await session.execute(result_facts.insert().from_select(NAMES, _ledger_rows(lo, hi)))


async def add_changed_results(session: AsyncSession, since: datetime, rollup: DayRollup) -> None:
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_changed_results ON COMMIT DROP AS "
            f"SELECT * FROM ({CHANGED_RESULTS}) changed(source, result_id)"
        ),
        {"since": since},
    )
    await session.execute(
        text(
            "CREATE TEMPORARY TABLE report_old_result_facts ON COMMIT DROP AS "
            "SELECT * FROM report_result_facts "
            "WHERE (source, result_id) IN (SELECT * FROM report_changed_results)"
        )
    )
    await session.execute(
        text(
            "DELETE FROM report_result_facts "
            "WHERE (source, result_id) IN (SELECT * FROM report_changed_results)"
        )
    )
    rows = _ledger_rows(None, None, "report_changed_results")
    await session.execute(result_facts.insert().from_select(NAMES, rows))
    await add_delta(session, rollup, _SIGNED, {})
    for name in ("report_changed_results", "report_old_result_facts"):
        await session.execute(text(f"DROP TABLE {name}"))
