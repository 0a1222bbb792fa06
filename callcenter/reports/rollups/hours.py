"""Runs of consecutive hours: how the hourly rollups find the rows of the hours they rebuild.

Shared by ``loyalty_hours`` (``loyalty/hours_rollup.py``) and ``manager_hours``
(``callcenter/bonuses/rollup.py``); ``CUSTOM_PLANS`` also by the client rollups
(``sales/client_rollups.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from callcenter.limits import EARLIEST_DUE, LATEST_DUE

# The hours being rebuilt are found a run of consecutive hours at a time, each by a plain
# range of its stamp planned with the range's own values (a generic plan would guess the
# range's size and scan whole tables), all the runs of a chunk in one statement.
WITHIN = "{0} >= :first AND {0} < :end"
HOUR_OF = "date_trunc('hour', {0}, 'UTC')"
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
# a time users type (a task's due time) may lie anywhere PostgreSQL allows (a row written
# before due times were checked, or by hand): the rollups bucket only the hours in range
IN_RANGE = (
    f"{{0}} >= '{EARLIEST_DUE.isoformat()}'::timestamptz"
    f" AND {{0}} <= '{LATEST_DUE.isoformat()}'::timestamptz"
)


def runs(hours: list[datetime]) -> list[dict[str, datetime]]:
    """Consecutive hours as ranges: [{first, end}, ...]."""
    found: list[dict[str, datetime]] = []
    for hour in sorted(hours):
        if found and found[-1]["end"] == hour:
            found[-1]["end"] = hour + timedelta(hours=1)
        else:
            found.append({"first": hour, "end": hour + timedelta(hours=1)})
    return found


def run_params(found: list[dict[str, datetime]]) -> dict[str, datetime]:
    """Runs as the parameters of ``within_runs``: first0, end0, first1 ..."""
    params: dict[str, datetime] = {}
    for i, run in enumerate(found):
        params[f"first{i}"], params[f"end{i}"] = run["first"], run["end"]
    return params


def within_runs(column: str, count: int) -> str:
    """SQL: ``column`` in one of ``count`` runs [:first0, :end0), [:first1, :end1) ...: a
    bitmap of index ranges, each estimated from its own values (one statement for a chunk of
    scattered hours costs what their rows cost, not a planning per hour)."""
    ranges = (f"{column} >= :first{i} AND {column} < :end{i}" for i in range(count))
    return "(" + " OR ".join(ranges) + ")"
