"""The pops of calls starting to ring go at once, ahead of the batches still being stored,
unless the ringing call itself has a frame among them (it left an agent, was answered): then
that frame goes first, so an operator's page sees a call's frames in order. The rows are
stored in order, the batches tracked meanwhile together."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ami.call_writer import Timed
from ami.link import PbxConfig
from ami.listener import PbxListener
from ami.tracker import CallTracker
from ami.tracker.updates import AgentLeft, CallRinging, CallUpdated
from tests.calls.test_calls_store import inbound_answered

Log = list[tuple[str, list[str], list[str]]]  # pops or store, the calls, the frames' kinds


def listener_storing_into(log: Log, held: asyncio.Event) -> Any:
    listener = PbxListener(
        PbxConfig(name="t", host="127.0.0.1", port=1, username="u", secret="s"),
        None,  # type: ignore[arg-type]  # nothing reaches a database: sends are replaced
        tracker=CallTracker(),
    )
    batches: list[list[Any]] = []

    def track(batch: list[Any], floor: Any) -> tuple[list[Any], list[Any]]:
        return batches.pop(0), []

    async def announce(ringing: Timed) -> None:
        log.append(("pops", [u.call.linkedid for u, _ in ringing], ["ringing"] * len(ringing)))
        listener.writer.sent_ahead(ringing)

    async def commit(
        calls: list[Any], notes: list[Any], ended: list[str], resyncs: Any, merged: Any = ()
    ) -> None:
        await held.wait()  # the rows are slow to store
        linkedids = sorted({c.linkedid for c in calls})
        log.append(("store", linkedids, [str(kind) for kind, _ in notes]))

    listener._track = track  # type: ignore[method-assign]
    listener.writer.announce = announce  # type: ignore[method-assign]
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


async def run_batches(batches_in: list[list[Any]], release_after: int = 0) -> Log:
    """Feed the batches one at a time; the stores are held until ``release_after`` of them
    have been fed (all, by default)."""
    log: Log = []
    held = asyncio.Event()
    listener, batches = listener_storing_into(log, held)
    batches.extend(batches_in)
    consumer = asyncio.create_task(listener.consume_forever())
    for number, _ in enumerate(batches_in, 1):
        listener.queue.put_nowait(("event", 1.0))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        if number == (release_after or len(batches_in)):
            held.set()
    async with asyncio.timeout(5):
        while listener.consumed < len(batches_in):  # noqa: ASYNC110 - a counter
            await asyncio.sleep(0.01)
    consumer.cancel()
    return log


async def test_pops_go_ahead_of_the_batches_still_storing() -> None:
    log = await run_batches(
        [
            [ringing("a"), changed("b")],  # stored slowly
            [ringing("c"), changed("d")],  # c has no frame waiting: it rings at once
            [ringing("e")],
        ]
    )
    assert log == [
        ("pops", ["a"], ["ringing"]),
        ("pops", ["c"], ["ringing"]),
        ("pops", ["e"], ["ringing"]),
        ("store", ["a", "b"], []),  # the rows in order, the pops not sent again
        ("store", ["c", "d", "e"], []),  # the batches tracked meanwhile, together
    ]


async def test_a_ringing_call_with_a_frame_still_storing_waits_for_it() -> None:
    log = await run_batches(
        [
            [ringing("a"), left("a")],  # the agent let it ring out: "ended" at 101
            [ringing("a"), changed("d")],  # rung again at 101: after that "ended", not before
        ]
    )
    assert log == [
        ("pops", ["a"], ["ringing"]),
        ("store", ["a"], ["ended"]),
        ("pops", ["a"], ["ringing"]),
        ("store", ["a", "d"], []),
    ]


async def test_a_ring_after_a_frame_of_its_call_in_the_same_batch_goes_with_its_row() -> None:
    log = await run_batches([[left("a"), ringing("a"), ringing("b")]])
    assert log == [
        ("pops", ["b"], ["ringing"]),
        ("store", ["a", "b"], ["ended", "ringing"]),  # a's frames in the order they happened
    ]


async def test_a_store_that_fell_a_batch_behind_holds_the_consumer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stores are slow: the consumer tracks on while less than a batch of events waits
    to be stored, then waits for the database instead of piling batches up."""
    monkeypatch.setattr("ami.listener.BATCH", 2)
    log: Log = []
    held = asyncio.Event()
    listener, batches = listener_storing_into(log, held)
    batches.extend([[changed(str(n))] for n in range(6)])
    consumer = asyncio.create_task(listener.consume_forever())
    try:
        for _ in range(6):
            listener.queue.put_nowait(("event", 1.0))  # type: ignore[arg-type]
            await asyncio.sleep(0.02)
        # the first batch being stored, the next two waiting for it: the rest stay unread
        assert listener._pending.events == 2
        assert listener.queue.qsize() == 3
        held.set()
        async with asyncio.timeout(5):
            while listener.consumed < 6:  # noqa: ASYNC110 - a counter
                await asyncio.sleep(0.01)
        stored = [linkedids for _, linkedids, _ in log]
        assert stored[:2] == [["0"], ["1", "2"]]  # the two that waited, stored together
        flat = [linkedid for linkedids in stored for linkedid in linkedids]
        assert flat == sorted(flat)  # in order
    finally:
        consumer.cancel()
