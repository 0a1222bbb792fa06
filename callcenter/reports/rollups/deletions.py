"""Hard deletions, as the rollups see them: a log of the moments the deleted rows counted at.

A deleted row leaves no stamp behind for a rollup to find, and a deleted client takes its
orders, feedback and tasks with it and unlinks its calls and campaign contacts. So whatever
deletes calls ``note_deletions`` first, in the same transaction: it writes one row per
(client, moment) the doomed rows count at (a client's creation, an order's taking and its
stage's change, a call's start, a wrap-up, a campaign result, a feedback, a task's due time),
stamped ``deleted_at``. Each rollup reads the rows stamped after its mark like the stamps of
changed rows: it rebuilds the days or hours of those moments and the clients named. Rows the
slowest rollup has passed are pruned by the next writer. No trigger: the PBX listener's
tables (calls...) keep their write path free, and nothing is read on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.reports.rollups.hours import IN_RANGE

# (the rows deleted, SQL giving (client_id, at) for ids in ``:ids``)
_MOMENTS: dict[str, str] = {
    "clients": """
        SELECT id, created_at FROM clients WHERE id = ANY(:ids)
        UNION ALL SELECT client_id, created_at FROM orders WHERE client_id = ANY(:ids)
        UNION ALL SELECT client_id, status_changed_at FROM orders WHERE client_id = ANY(:ids)
        UNION ALL SELECT client_id, started_at FROM calls WHERE client_id = ANY(:ids)
        UNION ALL SELECT k.client_id, w.created_at FROM calls k
            JOIN call_wrapups w ON w.call_id = k.id WHERE k.client_id = ANY(:ids)
        UNION ALL SELECT client_id, created_at FROM feedback WHERE client_id = ANY(:ids)
        UNION ALL SELECT client_id, due_at FROM tasks WHERE client_id = ANY(:ids)
        UNION ALL SELECT cc.client_id, a.dispositioned_at FROM campaign_contacts cc
            JOIN campaign_attempts a ON a.contact_id = cc.id
            WHERE cc.client_id = ANY(:ids) AND a.dispositioned_at IS NOT NULL""",
    "orders": """
        SELECT client_id, created_at FROM orders WHERE id = ANY(:ids)
        UNION ALL SELECT client_id, status_changed_at FROM orders WHERE id = ANY(:ids)""",
    "calls": """
        SELECT client_id, started_at FROM calls WHERE id = ANY(:ids)
        UNION ALL SELECT k.client_id, w.created_at FROM calls k
            JOIN call_wrapups w ON w.call_id = k.id WHERE k.id = ANY(:ids)""",
    "tasks": "SELECT client_id, due_at FROM tasks WHERE id = ANY(:ids)",
    "campaigns": """
        SELECT cc.client_id, a.dispositioned_at FROM campaign_attempts a
        JOIN campaign_contacts cc ON cc.id = a.contact_id
        WHERE a.campaign_id = ANY(:ids) AND a.dispositioned_at IS NOT NULL""",
}

_PRUNE = """
    DELETE FROM report_deletions
    WHERE deleted_at < (SELECT min(mark) FROM report_rollup_marks) - interval '1 hour'
"""


async def note_deletions(session: AsyncSession, **doomed: Any) -> None:
    """Log what rows about to be deleted count at: ``clients=``, ``orders=``, ``calls=``,
    ``tasks=``, ``campaigns=`` each a SELECT of ids (or a list of them)."""
    await session.execute(text(_PRUNE))
    for kind, ids in doomed.items():
        if not isinstance(ids, list):
            ids = list(await session.scalars(ids))
        if ids:
            await session.execute(
                text(
                    "INSERT INTO report_deletions (client_id, at) SELECT DISTINCT * FROM "
                    f"({_MOMENTS[kind]}) m(client_id, at) WHERE at IS NOT NULL"
                ),
                {"ids": ids},
            )


# what the rollups read: the clients and the moments deleted after their mark
DELETED_CLIENTS = (
    "SELECT client_id FROM report_deletions WHERE deleted_at > :since AND client_id IS NOT NULL"
)


def deleted_buckets(unit: str) -> str:
    """The UTC days or hours (``unit``) of the moments deleted after ``:since``."""
    return (
        f"SELECT date_trunc('{unit}', at, 'UTC') FROM report_deletions WHERE deleted_at > :since"
        f" AND {IN_RANGE.format('at')}"  # a deleted task's absurd due time counted nowhere
    )
