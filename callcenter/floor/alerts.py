"""The wallboard's thresholds per queue: when a figure turns amber or red.

Three figures have them, each an amber and a red level the admin sets on the queue (empty:
no alert): callers waiting and the longest wait now (seconds) turn a colour AT OR ABOVE their
level; the service level (percent) AT OR BELOW it, as lower is worse. Red wins over amber.
The page recolours with the same rule as the figures move (``web/static/wallboard.js``), and
may sound an alert when a figure turns red.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callcenter.i18n import N_

AMBER, RED = "amber", "red"


@dataclass(frozen=True)
class Threshold:
    """One figure's thresholds: the queue's columns, the figure's field, the typed range."""

    figure: str  # the wallboard's field
    amber: str  # QueueRow columns
    red: str
    low: int
    high: int
    lower_is_worse: bool = False


THRESHOLDS = (
    Threshold("waiting", "alert_waiting_amber", "alert_waiting_red", 1, 10_000),
    Threshold("longest_wait_seconds", "alert_wait_amber", "alert_wait_red", 1, 86_400),
    Threshold(
        "service_level_today",
        "alert_service_level_amber",
        "alert_service_level_red",
        0,
        100,
        lower_is_worse=True,
    ),
)
COLUMNS = tuple(c for t in THRESHOLDS for c in (t.amber, t.red))
RANGE_ERRORS = {
    "waiting": N_("Whole callers from 1 to 10000, or empty"),
    "longest_wait_seconds": N_("Whole seconds from 1 to 86400, or empty"),
    "service_level_today": N_("A whole percent from 0 to 100, or empty"),
}
ORDER_ERRORS = {
    False: N_("Red must be above amber"),
    True: N_("Red must be below amber (a lower service level is worse)"),
}


def level(value: float | None, amber: int | None, red: int | None, lower_is_worse: bool) -> str:
    """ "red", "amber" or "" for a figure's value; no value (a dash) is never coloured."""
    if value is None:
        return ""

    def past(mark: int | None) -> bool:
        return mark is not None and (value <= mark if lower_is_worse else value >= mark)

    return RED if past(red) else AMBER if past(amber) else ""


def thresholds_of(queue: Any) -> dict[str, list[int | None]]:
    """The queue's thresholds by figure: {figure: [amber, red]} (the page and the API)."""
    return {t.figure: [getattr(queue, t.amber), getattr(queue, t.red)] for t in THRESHOLDS}


def levels(figures: dict[str, Any], thresholds: dict[str, list[int | None]]) -> dict[str, str]:
    """Each figure's colour now: {figure: "amber" | "red" | ""}."""
    found = {}
    for t in THRESHOLDS:
        amber, red = thresholds.get(t.figure) or [None, None]
        found[t.figure] = level(figures.get(t.figure), amber, red, t.lower_is_worse)
    return found


def _whole(text: str, low: int, high: int) -> int | None | bool:
    """None for empty, the number when in range, False when not a number in range."""
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        return False
    return int(value)


def checked_thresholds(typed: dict[str, str]) -> tuple[dict[str, int | None], dict[str, str]]:
    """The form's thresholds as typed ({column: text}) checked: (values by column, errors by
    column). Red must be past amber in the figure's bad direction."""
    values: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for t in THRESHOLDS:
        for column in (t.amber, t.red):
            value = _whole(typed.get(column, ""), t.low, t.high)
            if value is False:
                errors[column] = RANGE_ERRORS[t.figure]
            else:
                values[column] = value  # type: ignore[assignment]
        amber, red = values.get(t.amber), values.get(t.red)
        if amber is None or red is None:
            continue
        if (red >= amber) if t.lower_is_worse else (red <= amber):
            errors[t.red] = ORDER_ERRORS[t.lower_is_worse]
    return values, errors
