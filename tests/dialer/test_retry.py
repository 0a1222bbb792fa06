"""Where a contact goes after an attempt (retry.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.dialer.retry import next_move, rule_for

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RULES = {"busy": {"after_minutes": 10, "max": 2}, "no_answer": {"after_minutes": 60, "max": 1}}


def move(outcome: str, *, attempts: int = 1, same: int = 1, cause: int | None = None, **kw):
    return next_move(
        outcome=outcome,
        at=AT,
        attempts=attempts,
        same_outcome=same,
        rules=kw.get("rules", RULES),
        max_attempts=kw.get("max_attempts", 5),
        hangup_cause=cause,
    )


def test_answered_contact_is_done() -> None:
    assert (move("answered").state, move("answered").next_at) == ("done", None)


def test_busy_is_retried_after_the_campaigns_delay_as_many_times_as_its_rule_says() -> None:
    first = move("busy", same=1)
    assert (first.state, first.next_at, first.last_outcome) == (
        "retry",
        AT + timedelta(minutes=10),
        "busy",
    )
    assert move("busy", attempts=2, same=2).state == "retry"
    assert move("busy", attempts=3, same=3).state == "exhausted"


def test_no_answer_with_max_one_is_retried_once() -> None:
    assert move("no_answer", same=1).next_at == AT + timedelta(hours=1)
    assert move("no_answer", attempts=2, same=2).state == "exhausted"


def test_campaign_max_attempts_caps_every_outcome() -> None:
    assert move("busy", attempts=5, same=1).state == "exhausted"
    assert move("busy", attempts=4, same=1).state == "retry"


def test_abandoned_contact_is_not_called_again_for_72_hours() -> None:
    drop = move("abandoned")
    assert (drop.state, drop.next_at) == ("retry", AT + timedelta(hours=72))


def test_invalid_number_causes_exclude_the_contact() -> None:
    for cause in (1, 3, 22, 28):
        gone = move("failed", cause=cause)
        assert (gone.state, gone.last_outcome) == ("excluded", "invalid_number")
    assert move("failed", cause=34).state == "retry"


def test_congestion_does_not_use_up_an_attempt() -> None:
    assert move("congestion", attempts=5, same=1).state == "retry"
    assert move("congestion", attempts=5, same=6).state == "exhausted"


def test_skipped_preview_contact_comes_back_later() -> None:
    skipped = move("skipped", attempts=5)
    assert skipped.state == "retry" and skipped.next_at is not None and skipped.next_at > AT


def test_missing_or_bad_rules_take_the_defaults() -> None:
    assert rule_for("machine", {}).after == timedelta(hours=4)
    assert rule_for("busy", {"busy": {"after_minutes": "soon", "max": -1}}) == rule_for("busy", {})
    assert rule_for("busy", {"busy": {"max": 0}}).max == 0
    assert move("busy", rules={"busy": {"max": 0}}).state == "exhausted"
