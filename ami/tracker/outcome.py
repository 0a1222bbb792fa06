"""Final outcome, hangup cause and durations of a call, following the metrics note.

Outcome, first rule that applies:

1. ``abandoned``: the call waited in a queue and no agent answered it (QueueCallerAbandon,
   or it left the queue unanswered). An outbound call that the customer answered but that
   no agent took counts here too (a dialer drop).
2. ``answered``: a human answered (an agent; for outbound calls the customer).
3. Otherwise, from what Asterisk said about the failed legs, in this order:
   the first hangup cause other than 0, 16 (normal clearing) and 26 (answered elsewhere)
   -> 17 ``busy``, 18/19/20 ``no_answer``, any other ``failed`` (congestion 34/38/41/42,
   invalid 1/3/22/28, rejected 21...); else the last DialEnd status -> BUSY ``busy``,
   NOANSWER/CANCEL ``no_answer``, CONGESTION/CHANUNAVAIL ``failed``; else the
   OriginateResponse Reason if it came before the end -> 5 ``busy``, 1/3 ``no_answer``,
   0/8 ``failed``; else ``no_answer`` if the called side rang, ``failed`` if it did not.
   The called side of an outbound call is the customer: a click-to-call rings the agent's
   own phone first, and that ringing says nothing of the number (``rings_for_outcome``).

In the transcripts: 04b/04g busy (cause 17), 04c no_answer (19), 04d failed (34), 04e failed
(cause 0, nothing rang, Reason 0), 04f no_answer (cause 16, DialEnd NOANSWER: the CRM hung
up a ringing call; Asterisk's CDR says NO ANSWER too), 05b failed (click-to-call of a number
the dialplan cannot route: the agent answered, the customer's channel went with cause 0 and
never rang, Dial said CHANUNAVAIL).

Hangup cause: answered calls take the first non-zero cause of a leg that had answered, in
hangup order; unanswered calls the cause that decided the outcome (else 16, else 0).

Durations: ``wait`` runs from the queue join (or the start when never queued) to the
agent's answer (queued) or the human answer, else to leaving the queue, else to the end.
``talk`` runs from the answer to the end and INCLUDES hold, as Asterisk's AgentComplete
TalkTime and the CDR billsec do (06c: hold 4 s inside TalkTime 13); ``hold`` is reported
apart. An agent leg's talk runs from its own answer to its own hangup.
"""

from __future__ import annotations

from datetime import datetime

from ami.tracker.state import CallState, LegState, Role, seconds
from callcenter.calls.records import Direction, Outcome

NEUTRAL_CAUSES = frozenset({0, 16, 26})
BUSY_CAUSES = frozenset({17})
NO_ANSWER_CAUSES = frozenset({18, 19, 20})
DIAL_STATUS_OUTCOME = {
    "BUSY": Outcome.BUSY,
    "NOANSWER": Outcome.NO_ANSWER,
    "CANCEL": Outcome.NO_ANSWER,
    "CONGESTION": Outcome.FAILED,
    "CHANUNAVAIL": Outcome.FAILED,
}
REASON_OUTCOME = {
    0: Outcome.FAILED,
    1: Outcome.NO_ANSWER,
    3: Outcome.NO_ANSWER,
    5: Outcome.BUSY,
    8: Outcome.FAILED,
}


def rings_for_outcome(state: CallState, leg: LegState) -> bool:
    """Whether this leg's ringing makes an unanswered call a ``no_answer``: any leg of an
    inbound or internal call, only the customer's (a party's) of an outbound one."""
    return state.call.direction is not Direction.OUTBOUND or leg.role is Role.PARTY


def cause_outcome(cause: int) -> Outcome:
    if cause in BUSY_CAUSES:
        return Outcome.BUSY
    if cause in NO_ANSWER_CAUSES:
        return Outcome.NO_ANSWER
    return Outcome.FAILED


def _decisive_failure(state: CallState) -> int | None:
    return next((c for c, _ in state.causes if c not in NEUTRAL_CAUSES), None)


def unanswered_outcome(state: CallState) -> Outcome:
    cause = _decisive_failure(state)
    if cause is not None:
        return cause_outcome(cause)
    if state.dial_status in DIAL_STATUS_OUTCOME:
        return DIAL_STATUS_OUTCOME[state.dial_status]
    if state.originate_reason in REASON_OUTCOME:
        return REASON_OUTCOME[state.originate_reason]
    called_rang = any(
        rings_for_outcome(state, state.legs[u]) for u in state.rang if u in state.legs
    )
    return Outcome.NO_ANSWER if called_rang else Outcome.FAILED


def outcome_of(state: CallState) -> Outcome:
    if state.call.queued_at is not None and state.agent_answered_at is None:
        return Outcome.ABANDONED
    if state.call.answered_at is not None:
        return Outcome.ANSWERED
    return unanswered_outcome(state)


def hangup_cause_of(state: CallState) -> int | None:
    causes = state.causes
    if not causes:
        return None
    if state.call.answered_at is not None:
        answered = (c for c, was_answered in causes if was_answered and c)
        return next(answered, next((c for c, _ in causes if c), causes[0][0]))
    decisive = _decisive_failure(state)
    if decisive is not None:
        return decisive
    return 16 if any(c == 16 for c, _ in causes) else causes[0][0]


def wait_seconds_of(state: CallState, end: datetime) -> float:
    call = state.call
    if call.queued_at is not None:
        until = state.agent_answered_at or state.queue_left_at or end
        return seconds(call.queued_at, until)
    return seconds(call.started_at, call.answered_at or end)


def finalize(state: CallState, end: datetime) -> None:
    """Set the call's end, outcome, hangup cause and durations (holds already closed)."""
    call = state.call
    call.ended_at = end
    call.outcome = outcome_of(state)
    call.hangup_cause = hangup_cause_of(state)
    call.wait_seconds = wait_seconds_of(state, end)
    call.talk_seconds = seconds(call.answered_at, end) if call.answered_at else 0.0
