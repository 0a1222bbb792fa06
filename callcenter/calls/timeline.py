"""A call's timeline in words: each moment the tracker stored (``CallEventRow``) as a sentence.

The tracker notes a kind and a few raw details per moment (``ami/tracker``: ``note``); this
module says each as people would ("Blind transfer by Анна (101) to 102"), as a msgid with
its parameters, translated where it is shown. Details come from the PBX: anything missing
or odd reads as what it is, never an error. Agents are named by their extension's user.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.calls.records import Outcome
from callcenter.calls.store import extension_of
from callcenter.i18n import N_

# Q.850 hangup causes as Asterisk reports them (``Cause``), in words
CAUSES = {
    0: N_("not given"),
    1: N_("number does not exist"),
    3: N_("no route to the number"),
    16: N_("normal hangup"),
    17: N_("busy"),
    18: N_("nobody responded"),
    19: N_("no answer"),
    20: N_("subscriber absent"),
    21: N_("call rejected"),
    22: N_("number changed"),
    26: N_("answered elsewhere"),
    27: N_("destination out of order"),
    28: N_("invalid number format"),
    31: N_("normal, unspecified"),
    34: N_("no circuit available"),
    38: N_("network out of order"),
    41: N_("temporary failure"),
    42: N_("switching equipment congestion"),
    127: N_("interworking, unspecified"),
}
OUTCOMES = {o.value: o.value for o in Outcome}  # msgids themselves (callcenter.i18n_terms)
# Dial()'s DIALSTATUS, in words
DIAL_STATUSES = {
    "NOANSWER": N_("no answer"),
    "BUSY": N_("busy"),
    "CANCEL": N_("ringing stopped"),
    "CONGESTION": N_("network congestion"),
    "CHANUNAVAIL": N_("unreachable"),
    "DONTCALL": N_("refused"),
    "TORTURE": N_("refused"),
    "INVALIDARGS": N_("invalid number"),
}


@dataclass(frozen=True)
class Words:
    """A sentence: ``text`` (a msgid) filled with ``params``; a param that is ``Words`` is
    said first, and those named in ``terms`` are msgids, translated before they fill it."""

    text: str
    params: Mapping[str, str | Words] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    uniqueid: str
    words: Words


def cause_words(cause: int | None) -> Words | None:
    """A hangup cause as words with its code ("normal hangup (16)"); None when none."""
    if cause is None:
        return None
    if cause in CAUSES:
        return Words(N_("%(cause)s (%(code)s)"), {"cause": CAUSES[cause], "code": str(cause)},
                     frozenset({"cause"}))  # fmt: skip
    return Words(N_("cause %(code)s"), {"code": str(cause)})


class Namer:
    """Agents by name: an extension, ``PJSIP/101`` or ``Local/101@agents`` becomes "Анна
    Иванова (101)" when a user has that extension, else the extension itself."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names  # extension -> the user's name

    def __call__(self, agent: str) -> str:
        extension = extension_of(agent) if agent else ""
        if not extension:
            return agent or "?"
        name = self.names.get(extension)
        return f"{name} ({extension})" if name else extension


def _int(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _term(table: Mapping[str, str], raw: str) -> tuple[str, bool]:
    """(the word, whether it is a msgid) for a raw status."""
    return (table[raw], True) if raw in table else (raw or "?", False)


def _ringing(d: dict[str, str], agent: Namer) -> Words:
    return Words(N_("Rang at %(agent)s"), {"agent": agent(d.get("agent", ""))})


def _answered(d: dict[str, str], agent: Namer) -> Words:
    if d.get("agent"):
        return Words(N_("Answered by %(agent)s"), {"agent": agent(d["agent"])})
    return Words(N_("Answered on %(channel)s"), {"channel": d.get("channel", "?")})


def _ring_ended(d: dict[str, str], agent: Namer) -> Words:
    status, term = _term(DIAL_STATUSES, d.get("status", ""))
    return Words(N_("Stopped ringing at %(agent)s: %(status)s"),
                 {"agent": agent(d.get("agent", "")), "status": status},
                 frozenset({"status"}) if term else frozenset())  # fmt: skip


def _dial_failed(d: dict[str, str], agent: Namer) -> Words:
    status, term = _term(DIAL_STATUSES, d.get("status", ""))
    return Words(N_("Dialing failed: %(status)s"), {"status": status},
                 frozenset({"status"}) if term else frozenset())  # fmt: skip


def _queued(d: dict[str, str], agent: Namer) -> Words:
    return Words(N_("Entered queue %(queue)s at position %(position)s"),
                 {"queue": d.get("queue", "?"), "position": d.get("position", "?")})  # fmt: skip


def _abandoned(d: dict[str, str], agent: Namer) -> Words:
    return Words(N_("The caller hung up waiting in queue %(queue)s (waited %(seconds)s s)"),
                 {"queue": d.get("queue", "?"), "seconds": d.get("hold_time", "?")})  # fmt: skip


def _parked(d: dict[str, str], agent: Namer) -> Words:
    return Words(N_("Parked at %(space)s by %(agent)s"),
                 {"space": d.get("space", "?"), "agent": agent(d.get("parker", ""))})  # fmt: skip


def _unparked(d: dict[str, str], agent: Namer) -> Words:
    return Words(N_("Picked up from parking %(space)s by %(agent)s"),
                 {"space": d.get("space", "?"), "agent": agent(d.get("by", ""))})  # fmt: skip


def _ended(d: dict[str, str], agent: Namer) -> Words:
    cause = cause_words(_int(d.get("cause", "")))
    outcome, term = _term(OUTCOMES, d.get("outcome", ""))
    terms = frozenset({"outcome"}) if term else frozenset()
    if cause is None:
        return Words(N_("Hung up: %(outcome)s"), {"outcome": outcome}, terms)
    return Words(N_("Hung up: %(outcome)s; %(cause)s"), {"outcome": outcome, "cause": cause}, terms)


def _plain(text: str, *keys: str) -> Callable[[dict[str, str], Namer], Words]:
    """A sentence whose parameters are the details themselves ("agent" named)."""

    def words(d: dict[str, str], agent: Namer) -> Words:
        params = {k: agent(d.get(k, "")) if k == "agent" else d.get(k, "?") for k in keys}
        return Words(text, params)

    return words


SENTENCES: dict[str, Callable[[dict[str, str], Namer], Words]] = {
    "started": _plain(N_("The call began on %(channel)s"), "channel"),
    "queued": _queued,
    "ringing": _ringing,
    "answered": _answered,
    "ring_ended": _ring_ended,
    "dial_failed": _dial_failed,
    "agent_left": _plain(N_("%(agent)s left the call"), "agent"),
    "left_queue": _plain(N_("Left queue %(queue)s"), "queue"),
    "abandoned": _abandoned,
    "hold": _plain(N_("%(agent)s put the caller on hold"), "agent"),
    "unhold": _plain(N_("%(agent)s took the caller off hold"), "agent"),
    "parked": _parked,
    "unparked": _unparked,
    "recording": _plain(N_("Recording started")),
    "originate_failed": _plain(
        N_("The PBX could not place the call (reason %(reason)s)"), "reason"
    ),  # fmt: skip
    "recovered": _plain(N_("Found still up when the PBX link came back")),
    "adopted": _plain(N_("Taken over by a new PBX listener")),
    "evicted": _plain(N_("Stopped following: too many calls at once")),
    "ended": _ended,
}


FAILED_TRANSFERS = {
    N_("Blind transfer by %(agent)s to %(target)s"): N_(
        "Blind transfer by %(agent)s to %(target)s failed (%(result)s)"
    ),
    N_("Attended transfer by %(agent)s to %(target)s"): N_(
        "Attended transfer by %(agent)s to %(target)s failed (%(result)s)"
    ),
}


def _transfer(d: dict[str, str], agent: Namer, before: Sequence[Any]) -> Words:
    """A blind transfer names its target extension; an attended one its target channel, or
    else the agent who answered the consultation (the last other agent answered before it)."""
    by = d.get("agent", "")
    if d.get("kind") == "blind":
        text, target = N_("Blind transfer by %(agent)s to %(target)s"), d.get("exten", "")
    else:
        text, target = N_("Attended transfer by %(agent)s to %(target)s"), d.get("target", "")
        if not target:
            answered = [(e.detail or {}).get("agent", "") for e in before if e.kind == "answered"]
            target = next((a for a in reversed(answered) if a and a != by), "")
    params: dict[str, str | Words] = {"agent": agent(by), "target": agent(target) or "?"}
    if d.get("result", "Success") != "Success":
        text = FAILED_TRANSFERS[text]
        params["result"] = d["result"]
    return Words(text, params)


def _lost(d: dict[str, str], when: Callable[[datetime], str]) -> Words:
    found = d.get("found_at", "")
    with contextlib.suppress(TypeError, ValueError, OverflowError):
        found = when(datetime.fromisoformat(found))
    return Words(N_("The PBX link was lost: the call ended unheard, by %(found)s at the latest"),
                 {"found": found})  # fmt: skip


def describe(
    events: Sequence[Any], names: Mapping[str, str], when: Callable[[datetime], str]
) -> list[TimelineEntry]:
    """The stored timeline (rows with ``at``, ``kind``, ``uniqueid``, ``detail``, in order) in
    words; ``names`` maps extensions to users' names, ``when`` formats a moment."""
    agent, entries = Namer(names), []
    for index, event in enumerate(events):
        detail = {str(k): str(v) for k, v in (event.detail or {}).items()}
        if event.kind == "transfer":
            words = _transfer(detail, agent, events[:index])
        elif event.kind == "lost_during_disconnect":
            words = _lost(detail, when)
        elif event.kind in SENTENCES:
            words = SENTENCES[event.kind](detail, agent)
        else:  # a kind newer than this page: said as it is
            words = Words(N_("PBX event: %(kind)s"), {"kind": event.kind})
        entries.append(TimelineEntry(event.at, event.kind, event.uniqueid, words))
    return entries
