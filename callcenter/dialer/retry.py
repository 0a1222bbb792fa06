"""Where a contact goes after an attempt: pure, from the outcome and the campaign's rules.

``retry_rules`` of a campaign: ``{"busy": {"after_minutes": 15, "max": 3}, ...}`` keyed by
outcome (busy, no_answer, failed, machine, congestion); a missing rule takes the default
below (the metrics note, 2.5). ``max`` is how many times a contact is retried after that
outcome (0: never); ``max_attempts`` caps the attempts of a contact whatever their outcomes.

- answered: ``done`` (the agent's disposition may move it again, e.g. a callback);
- abandoned (our own drop): not called again for 72 hours, then like any retry;
- failed with an invalid-number cause (1, 3, 22, 28): ``excluded``, ``invalid_number``;
- congestion (the carrier's trouble, not the contact's): retried within minutes without
  using up an attempt;
- skipped (preview): back in the list after a while, no attempt used up;
- otherwise ``retry`` after the rule's delay, or ``exhausted`` when its ``max`` or the
  campaign's ``max_attempts`` is reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RULED = ("busy", "no_answer", "failed", "machine", "congestion")
DEFAULT_RULES: dict[str, tuple[int, int]] = {  # outcome: (after minutes, retries)
    "busy": (15, 3),
    "no_answer": (120, 3),
    "failed": (30, 2),
    "machine": (240, 2),
    "congestion": (5, 5),
}
ABANDON_LOCKOUT = timedelta(hours=72)
SKIP_DELAY = timedelta(minutes=30)
INVALID_NUMBER_CAUSES = frozenset({1, 3, 22, 28})
NOT_COUNTED = frozenset({"congestion", "skipped"})  # these do not use up an attempt


@dataclass(frozen=True)
class RetryRule:
    after: timedelta
    max: int


@dataclass(frozen=True)
class ContactMove:
    """The contact's new state, when it may be dialed next, and the outcome to show."""

    state: str
    next_at: datetime | None
    last_outcome: str


def rule_for(outcome: str, rules: Mapping[str, Any] | None) -> RetryRule:
    """The campaign's rule for ``outcome``, bad or missing values taking the default."""
    after, most = DEFAULT_RULES.get(outcome, DEFAULT_RULES["failed"])
    given = (rules or {}).get(outcome)
    if isinstance(given, Mapping):
        after = _whole(given.get("after_minutes"), after, low=0)
        most = _whole(given.get("max"), most, low=0)
    return RetryRule(timedelta(minutes=after), most)


def _whole(value: Any, default: int, *, low: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number >= low else default


def counts_as_attempt(outcome: str) -> bool:
    return outcome not in NOT_COUNTED


def next_move(
    *,
    outcome: str,
    at: datetime,
    attempts: int,
    same_outcome: int,
    rules: Mapping[str, Any] | None,
    max_attempts: int,
    hangup_cause: int | None = None,
) -> ContactMove:
    """Where the contact goes after an attempt that ended with ``outcome`` at ``at``.

    ``attempts``: the contact's attempts that count, this one included; ``same_outcome``:
    how many of them ended with this outcome, this one included.
    """
    if outcome == "answered":
        return ContactMove("done", None, outcome)
    if outcome == "skipped":
        return ContactMove("retry", at + SKIP_DELAY, outcome)
    if outcome == "failed" and hangup_cause in INVALID_NUMBER_CAUSES:
        return ContactMove("excluded", None, "invalid_number")
    if outcome == "abandoned":
        if attempts >= max_attempts:
            return ContactMove("exhausted", None, outcome)
        return ContactMove("retry", at + ABANDON_LOCKOUT, outcome)
    rule = rule_for(outcome, rules)
    used_up = attempts >= max_attempts if counts_as_attempt(outcome) else False
    if used_up or same_outcome > rule.max:
        return ContactMove("exhausted", None, outcome)
    return ContactMove("retry", at + rule.after, outcome)
