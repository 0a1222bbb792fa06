"""Handlers of hold, transfers, recordings and originate results."""

from __future__ import annotations

import logging
from datetime import datetime

from ami.events import (
    AttendedTransfer,
    BlindTransfer,
    Hold,
    MixMonitorStart,
    OriginateResponse,
    ParkedCall,
    Unhold,
    UnParkedCall,
    VarSet,
)
from ami.tracker.book import CallBook
from ami.tracker.state import note, snapshot
from ami.tracker.updates import CallUpdated, OriginateResult, TrackerUpdate

log = logging.getLogger(__name__)

RECORDING_VARIABLE = "MIXMONITOR_FILENAME"
AMD_VARIABLE = "AMDSTATUS"


def on_hold(book: CallBook, event: Hold, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.channel)
    if found is None:
        return []
    state, leg = found
    if not book.hold_on(state, leg, at):
        return []
    note(state, at, "hold", leg.leg.uniqueid, agent=leg.leg.agent)
    return [CallUpdated(snapshot(state.call), "hold")]


def on_unhold(book: CallBook, event: Unhold, at: datetime) -> list[TrackerUpdate]:
    """Asterisk also sends Unhold without a Hold (a blind transfer does, 06a): ignored."""
    found = book.find(event.channel)
    if found is None:
        return []
    state, leg = found
    if not book.hold_off(state, leg, at):
        return []
    note(state, at, "unhold", leg.leg.uniqueid, agent=leg.leg.agent)
    return [CallUpdated(snapshot(state.call), "unhold")]


def on_blind_transfer(book: CallBook, event: BlindTransfer, at: datetime) -> list[TrackerUpdate]:
    found = book.find(event.transferer)
    if found is None:
        return []
    state, leg = found
    note(state, at, "transfer", leg.leg.uniqueid, kind="blind", result=event.result,
         agent=leg.leg.agent, exten=event.extension, context=event.context)  # fmt: skip
    return [CallUpdated(snapshot(state.call), "transfer")]


def on_attended_transfer(
    book: CallBook, event: AttendedTransfer, at: datetime
) -> list[TrackerUpdate]:
    found = book.find(event.orig_transferer)
    if found is None:
        return []
    state, leg = found
    target = event.transfer_target.channel if event.transfer_target else ""
    note(state, at, "transfer", leg.leg.uniqueid, kind="attended", result=event.result,
         agent=leg.leg.agent, target=target, dest_type=event.dest_type)  # fmt: skip
    return [CallUpdated(snapshot(state.call), "transfer")]


def on_parked(book: CallBook, event: ParkedCall, at: datetime) -> list[TrackerUpdate]:
    """The caller waits in the lot (06d), or was picked up from it: in the timeline, and
    the channel that picked it up joins the call with the call it was made in."""
    found = book.find(event.parkee)
    if found is None:
        return []
    state, leg = found
    if not isinstance(event, UnParkedCall):
        note(state, at, "parked", leg.leg.uniqueid, space=event.space,
             parker=event.parker_dial_string)  # fmt: skip
        return [CallUpdated(snapshot(state.call), "park")]
    retriever = event.retriever.channel if event.retriever else ""
    note(state, at, "unparked", leg.leg.uniqueid, space=event.space, by=retriever)
    picker = book.find(event.retriever)
    if picker is None or picker[0] is state:
        return [CallUpdated(snapshot(state.call), "park")]
    # the phone that picked the call up was a call of its own until now: it joins this one
    return book.merge(state, picker[0], at)


def on_mixmonitor_start(
    book: CallBook, event: MixMonitorStart, at: datetime
) -> list[TrackerUpdate]:
    found = book.find(event.channel)
    if found is None:
        return []
    state, leg = found
    note(state, at, "recording", leg.leg.uniqueid, file=state.call.recording)
    return [CallUpdated(snapshot(state.call), "recording")]


def on_varset(book: CallBook, event: VarSet, at: datetime) -> list[TrackerUpdate]:
    """Only the recording's file name and an answering machine detected by the dialplan
    (AMDSTATUS=MACHINE) matter; every other variable returns at once."""
    if event.name != RECORDING_VARIABLE:
        if event.name == AMD_VARIABLE and event.value == "MACHINE":
            return _machine(book, event)
        return []
    state = book.calls.get(event.linkedid)
    if state is None or not event.value or event.value == state.call.recording:
        return []
    state.call.recording = event.value
    log.debug("call %s: recording to %s", state.linkedid, event.value)
    return [CallUpdated(snapshot(state.call), "recording")]


def _machine(book: CallBook, event: VarSet) -> list[TrackerUpdate]:
    state = book.calls.get(event.linkedid)
    if state is None:
        return []
    log.debug("call %s: answering machine", state.linkedid)
    return [CallUpdated(snapshot(state.call), "machine")]


def on_originate_response(
    book: CallBook, event: OriginateResponse, at: datetime
) -> list[TrackerUpdate]:
    uniqueid = event.uniqueid if event.has_uniqueid else None
    linkedid = book.linkedid_of(uniqueid) if uniqueid else None
    state = book.calls.get(linkedid) if linkedid else None
    if state is not None:
        state.originate_reason = event.reason
        if not event.success:  # kept in the timeline: a new leader reads it back
            note(state, at, "originate_failed", reason=str(event.reason))
    log.debug("call %s: originate %s %s reason %s", linkedid or "?", event.action_id,
              event.response, event.reason)  # fmt: skip
    result = OriginateResult(
        action_id=event.action_id,
        success=event.success,
        reason=event.reason,
        uniqueid=uniqueid,
        linkedid=linkedid,
        channel=event.channel,
    )
    return [result]
