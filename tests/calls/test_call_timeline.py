"""A call's timeline in words (``callcenter.calls.timeline``): every moment the tracker
notes in every recorded Asterisk scenario has its own sentence in both languages, and
details missing, odd or hostile still make a sentence, never an error."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ami.tracker import CallEnded, CallTracker
from callcenter.calls.timeline import CAUSES, SENTENCES, cause_words, describe
from tests.ami.ami_support import SCENARIOS, received_at, timed_events
from web import i18n
from web.views.calls import say

T0 = datetime(2026, 11, 26, 17, 44, tzinfo=UTC)
NAMES = {"101": "Анна Иванова", "102": "Борис Петров"}


@dataclass
class Moment:
    """A stored timeline row's shape (``CallEventRow``)."""

    at: datetime
    kind: str
    uniqueid: str = ""
    detail: Any = field(default_factory=dict)


def when(value: datetime) -> str:
    return value.isoformat()


def said(events: list[Any], language: str) -> list[str]:
    token = i18n.LANGUAGE.set(language)
    try:
        return [say(entry.words) for entry in describe(events, NAMES, when)]
    finally:
        i18n.LANGUAGE.reset(token)


def recorded_timelines() -> dict[str, list[Any]]:
    found = {}
    for scenario in SCENARIOS:
        tracker = CallTracker()
        for moment, event in timed_events(scenario):
            for update in tracker.handle(event, received_at(moment)):
                if isinstance(update, CallEnded):
                    found[f"{scenario}/{update.call.linkedid}"] = update.call.timeline
    return found


def test_the_tracker_notes_only_kinds_that_have_their_own_sentence() -> None:
    """A new kind noted in ``ami/tracker`` without words here would read "PBX event: x"."""
    timelines = recorded_timelines()
    assert len(timelines) >= 15
    kinds = {event.kind for timeline in timelines.values() for event in timeline}
    assert {"transfer", "parked", "unparked", "hold", "queued", "abandoned"} <= kinds
    assert kinds - {"transfer", "lost_during_disconnect"} <= set(SENTENCES)
    for name, timeline in timelines.items():
        for language in ("en", "ru"):
            for sentence in said(timeline, language):
                assert sentence and "PBX event" not in sentence and "Событие АТС" not in sentence
                assert "%(" not in sentence, (name, sentence)


def test_a_russian_reader_reads_russian() -> None:
    timeline = recorded_timelines()["06a_blind_transfer/1795715193.70"]
    russian = said(timeline, "ru")
    english = said(timeline, "en")
    assert len(russian) == len(english) == len(timeline)
    assert all(r != e for r, e in zip(russian, english, strict=True) if not e.startswith("Left"))
    assert "Слепой перевод: Анна Иванова (101) → Борис Петров (102)" in russian
    assert russian[-1] == "Звонок завершён: отвечен; обычное завершение (16)"


def test_the_moments_of_an_outage_say_what_happened() -> None:
    found = T0 + timedelta(minutes=3)
    events = [
        Moment(T0, "adopted"),
        Moment(T0, "recovered", detail={"channels": "2"}),
        Moment(T0, "lost_during_disconnect", detail={"found_at": found.isoformat()}),
        Moment(T0, "lost_during_disconnect", detail={"found_at": "not a time"}),
        Moment(T0, "evicted"),
    ]
    english = said(events, "en")
    assert english[0] == "Taken over by a new PBX listener"
    assert english[1] == "Found still up when the PBX link came back"
    assert english[2].endswith(f"by {found.isoformat()} at the latest")
    assert english[3].endswith("by not a time at the latest")
    assert english[4] == "Stopped following: too many calls at once"


def test_a_failed_transfer_and_unknown_targets_say_so() -> None:
    events = [
        Moment(
            T0,
            "transfer",
            detail={"kind": "blind", "agent": "PJSIP/101", "exten": "555", "result": "Fail"},
        ),  # fmt: skip
        Moment(T0, "transfer", detail={"kind": "attended", "agent": "101"}),
        Moment(
            T0,
            "transfer",
            detail={"kind": "attended", "agent": "101", "target": "Local/102@agents-0000000f;1"},
        ),  # fmt: skip
    ]
    assert said(events, "en") == [
        "Blind transfer by Анна Иванова (101) to 555 failed (Fail)",
        "Attended transfer by Анна Иванова (101) to ?",
        "Attended transfer by Анна Иванова (101) to Борис Петров (102)",
    ]


@pytest.mark.parametrize("code", sorted(CAUSES))
def test_every_known_hangup_cause_has_words_in_both_languages(code: int) -> None:
    words = cause_words(code)
    assert words is not None
    english, russian = (say_in(words, lang) for lang in ("en", "ru"))
    assert english.endswith(f"({code})") and russian.endswith(f"({code})")
    assert english != russian


def say_in(words: Any, language: str) -> str:
    token = i18n.LANGUAGE.set(language)
    try:
        return say(words)
    finally:
        i18n.LANGUAGE.reset(token)


@pytest.mark.parametrize("code", [None, -1, 2, 99, 2**31, 10**30])
def test_an_unknown_cause_reads_as_its_code(code: int | None) -> None:
    words = cause_words(code)
    if code is None:
        assert words is None and say(words) == ""
        return
    assert say_in(words, "en") == f"cause {code}"
    assert say_in(words, "ru") == f"причина {code}"


GARBAGE = ["", "?", "%(agent)s", "%s%s%n", "\x00", "<script>x</script>", "Local/", "/", "@",
           ";", "9" * 5000, "ё" * 300, "PJSIP/", "Local/@;/n", "-1", "NaN"]  # fmt: skip
KEYS = ["agent", "channel", "queue", "position", "status", "kind", "result", "exten",
        "target", "space", "parker", "by", "reason", "outcome", "cause", "hold_time",
        "found_at", "context", "channels"]  # fmt: skip


def test_any_detail_of_any_kind_makes_a_sentence() -> None:
    rng = random.Random(16)
    kinds = [*SENTENCES, "transfer", "lost_during_disconnect", "brand_new_kind", ""]
    events: list[Any] = []
    for _ in range(3000):
        detail: Any = {rng.choice(KEYS): rng.choice(GARBAGE) for _ in range(rng.randint(0, 5))}
        if rng.random() < 0.05:
            detail = None
        events.append(Moment(T0, rng.choice(kinds), rng.choice(GARBAGE), detail))
    for language in ("en", "ru"):
        sentences = said(events, language)
        assert len(sentences) == len(events) and all(sentences)
    assert said([Moment(T0, "brand_new_kind")], "en") == ["PBX event: brand_new_kind"]


def test_the_tracker_and_the_page_agree_on_the_detail_names() -> None:
    """The sentences read the detail names the tracker's ``note`` writes (a renamed key
    would read as "?")."""
    timelines = recorded_timelines()
    for timeline in timelines.values():
        for sentence in said(timeline, "en"):
            assert "?" not in sentence, sentence
