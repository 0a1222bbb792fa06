"""The listener stores a batch's calls starting to ring at once, ahead of the previous
batch's other changes still on their way, unless the ringing call itself has changes
there: those go first, so its row and its frames stay in order."""

from __future__ import annotations

import asyncio
from typing import Any

from ami.link import PbxConfig
from ami.listener import PbxListener
from ami.tracker import CallTracker
from ami.tracker.updates import AgentLeft, CallRinging, CallUpdated
from tests.calls.test_calls_store import inbound_answered


def listener_storing_into(log: list[tuple[str, list[str]]], held: asyncio.Event) -> Any:
    listener = PbxListener(
        PbxConfig(name="t", host="127.0.0.1", port=1, username="u", secret="s"),
        None,  # type: ignore[arg-type]  # nothing reaches a database: commit is replaced
        tracker=CallTracker(),
    )
    batches: list[list[Any]] = []

    def track(batch: list[Any], floor: Any) -> tuple[list[Any], list[Any]]:
        return batches.pop(0), []

    async def commit(
        calls: list[Any], notes: list[Any], ended: list[str], resyncs: Any, merged: Any = ()
    ) -> None:
        kinds = {kind for kind, _ in notes}
        name = "ringing" if kinds == {"ringing"} else "rest"
        if name == "rest":
            await held.wait()  # the previous batch's changes are slow to store
        log.append((name, sorted(c.linkedid for c in calls)))

    listener._track = track  # type: ignore[method-assign]
    listener.writer.commit = commit  # type: ignore[method-assign]
    return listener, batches


def ringing(linkedid: str, agent: str = "101") -> tuple[Any, float]:
    call = inbound_answered(linkedid)
    leg = next(leg for leg in call.legs.values() if leg.agent)
    return CallRinging(call, leg, agent), 1.0


def changed(linkedid: str) -> tuple[Any, float]:
    return CallUpdated(inbound_answered(linkedid), "queued"), 1.0


def left(linkedid: str) -> tuple[Any, float]:
    call = inbound_answered(linkedid)
    leg = next(leg for leg in call.legs.values() if leg.agent)
    return AgentLeft(call, leg, "101"), 1.0


async def run_batches(batches_in: list[list[Any]]) -> list[tuple[str, list[str]]]:
    log: list[tuple[str, list[str]]] = []
    held = asyncio.Event()
    listener, batches = listener_storing_into(log, held)
    batches.extend(batches_in)
    consumer = asyncio.create_task(listener.consume_forever())
    for _ in batches_in:
        listener.queue.put_nowait(("event", 1.0))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
    held.set()
    async with asyncio.timeout(5):
        while listener.consumed < len(batches_in):  # noqa: ASYNC110 - a counter
            await asyncio.sleep(0.01)
    consumer.cancel()
    return log


async def test_a_new_ringing_call_goes_ahead_of_the_previous_batch_still_storing() -> None:
    log = await run_batches(
        [
            [ringing("a"), changed("b")],  # b's change is slow to store
            [ringing("c"), changed("d")],  # c has nothing in flight: it rings at once
        ]
    )
    assert log == [("ringing", ["a"]), ("ringing", ["c"]), ("rest", ["b"]), ("rest", ["d"])]


async def test_a_ringing_call_with_changes_in_flight_waits_for_them() -> None:
    log = await run_batches(
        [
            [ringing("a"), left("a")],  # the agent let it ring out: "ended" at 101
            [ringing("a"), changed("d")],  # rung again at 101: after that "ended", not before
        ]
    )
    assert log == [("ringing", ["a"]), ("rest", ["a"]), ("ringing", ["a"]), ("rest", ["d"])]
