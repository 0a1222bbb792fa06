"""The PBX link over real TCP: login, typed events in order, back-off, watchdog, no resend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ami.events import AgentConnect, AmiEvent, Hangup, QueueCallerJoin
from ami.link import Backoff, LinkState, PbxConfig, PbxLink, PbxLinkLost
from ami.simulator import PbxSimulator

FAST = Backoff(initial=0.05, maximum=0.2, jitter=0.1)


def config(port: int, secret: str = "crmsecret", **extra: Any) -> PbxConfig:
    extra.setdefault("ping_interval", 0.2)
    extra.setdefault("ping_timeout", 0.3)
    return PbxConfig(
        name="test",
        host="127.0.0.1",
        port=port,
        username="crm",
        secret=secret,
        backoff=FAST,
        connect_timeout=2.0,
        **extra,
    )


class Recorder:
    def __init__(self) -> None:
        self.events: list[AmiEvent] = []
        self.logins = 0
        self.logged_in = asyncio.Event()

    def intake(self, event: AmiEvent, received: float) -> None:
        self.events.append(event)

    async def on_login(self, link: PbxLink) -> None:
        self.logins += 1
        self.logged_in.set()


async def until(predicate: Any, within: float = 5.0) -> None:
    """Poll a condition the link exposes as plain state (it has no event to wait on)."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.fixture
async def running() -> AsyncIterator[list[PbxLink]]:
    links: list[PbxLink] = []
    yield links
    for link in links:
        await link.stop()


async def test_logs_in_and_hands_over_typed_events_in_order(
    pbx: PbxSimulator, running: list[PbxLink]
) -> None:
    rec = Recorder()
    link = PbxLink(config(pbx.port), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await asyncio.wait_for(rec.logged_in.wait(), 5)
    assert link.state == LinkState.CONNECTED
    linkedid = await pbx.inbound_call(agent_answers=True)
    await pbx.wait_idle()
    await until(lambda: any(isinstance(e, Hangup) for e in rec.events))
    kinds = [type(e) for e in rec.events if getattr(e, "linkedid", linkedid) == linkedid]
    assert kinds.index(QueueCallerJoin) < kinds.index(AgentConnect) < kinds.index(Hangup)
    pong = await link.send({"Action": "Ping"})
    assert pong.success


async def test_wrong_secret_never_connects_and_keeps_retrying(
    pbx: PbxSimulator, running: list[PbxLink]
) -> None:
    rec = Recorder()
    link = PbxLink(config(pbx.port, secret="wrong"), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: link.reconnects >= 2)
    assert rec.logins == 0 and link.state != LinkState.CONNECTED
    with pytest.raises(PbxLinkLost):
        await link.send({"Action": "Ping"})


async def test_reconnects_after_the_pbx_restarts_and_logs_in_again(
    running: list[PbxLink],
) -> None:
    first = PbxSimulator(speed=0.01)
    port = await first.start()
    rec = Recorder()
    link = PbxLink(config(port), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: rec.logins == 1)
    await first.stop()
    await until(lambda: link.state != LinkState.CONNECTED)
    second = PbxSimulator(speed=0.01)
    await second.start(port=port)
    try:
        await until(lambda: rec.logins == 2)
        assert link.connected
    finally:
        await second.stop()


class SilentPeer:
    """Logs the client in, then records what it sends and answers nothing."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        block = await reader.readuntil(b"\r\n\r\n")
        action_id = next(
            line.split(b": ", 1)[1]
            for line in block.split(b"\r\n")
            if line.lower().startswith(b"actionid")
        )
        writer.write(
            b"Response: Success\r\nActionID: "
            + action_id
            + b"\r\nMessage: Authentication accepted\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                self.received.append(await reader.readuntil(b"\r\n\r\n"))

    def drop_all(self) -> None:
        for writer in self.writers:
            writer.close()
        self.writers.clear()


@pytest.fixture
async def silent() -> AsyncIterator[tuple[SilentPeer, int]]:
    peer = SilentPeer()
    server = await asyncio.start_server(peer.handle, "127.0.0.1", 0)
    yield peer, server.sockets[0].getsockname()[1]
    peer.drop_all()
    server.close()
    await server.wait_closed()


async def test_unanswered_ping_is_a_dead_link(
    silent: tuple[SilentPeer, int], running: list[PbxLink]
) -> None:
    peer, port = silent
    rec = Recorder()
    link = PbxLink(config(port), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: rec.logins == 1)
    await until(lambda: rec.logins == 2, within=3.0)  # watchdog dropped it, then back
    assert peer.connections >= 2
    assert any(b"Action: Ping" in block for block in peer.received)


async def test_action_in_flight_fails_when_the_link_drops_and_is_never_resent(
    silent: tuple[SilentPeer, int], running: list[PbxLink]
) -> None:
    peer, port = silent
    rec = Recorder()
    link = PbxLink(config(port, ping_interval=30), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: rec.logins == 1)
    originate = asyncio.create_task(
        link.send(
            {
                "Action": "Originate",
                "ActionID": "crm-call-1",
                "Channel": "Local/101@agents",
                "Exten": "89161234561",
                "Context": "outbound",
                "Priority": 1,
                "Async": "true",
            }
        )
    )
    await until(lambda: any(b"Originate" in block for block in peer.received))
    peer.drop_all()
    with pytest.raises(PbxLinkLost):
        await asyncio.wait_for(originate, 2)
    await until(lambda: rec.logins == 2)
    await asyncio.sleep(0.2)
    assert sum(b"Originate" in block for block in peer.received) == 1


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    backoff = Backoff(initial=1, maximum=8, factor=2, jitter=0.25)
    for attempt, base in enumerate([1, 2, 4, 8, 8]):
        assert base * 0.75 <= backoff.delay(attempt) <= base * 1.25


def test_event_time_is_asterisks_own_when_it_sends_one() -> None:
    from ami.protocol import Message

    times: list[float] = []
    link = PbxLink(config(1), intake=lambda _event, at: times.append(at))
    stamped = Message(
        {
            "Event": "Hangup",
            "Privilege": "call,all",
            "Timestamp": "1795715043.5",
            "Uniqueid": "1.1",
            "Linkedid": "1.1",
            "Cause": "16",
        }
    )
    link.intake_message(stamped, received=1795715044.0)
    link.intake_message(Message({"Event": "Hangup", "Uniqueid": "1.2"}), received=1795715045.0)
    assert times == [1795715043.5, 1795715045.0]


async def test_a_link_we_stopped_reading_is_not_declared_dead(
    pbx: PbxSimulator, running: list[PbxLink]
) -> None:
    """Backpressure pauses reading while the consumer catches up; the Pong waits unread in
    the socket, and that is no reason to drop a PBX that is flooding us with events."""
    rec = Recorder()
    link = PbxLink(config(pbx.port), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: rec.logins == 1)
    link.pause_reading(True)
    await asyncio.sleep(1.5)  # several ping intervals and timeouts
    assert (link.state, rec.logins, link.reconnects) == (LinkState.CONNECTED, 1, 0)
    link.pause_reading(False)
    await asyncio.sleep(0.6)
    assert (link.state, link.reconnects) == (LinkState.CONNECTED, 0)


async def test_a_snapshot_answer_takes_its_place_among_the_events_read_with_it(
    pbx: PbxSimulator, running: list[PbxLink]
) -> None:
    """The list's end and a call's first events come in one read: the ``in_order`` hook runs
    between them, though the coroutine awaiting the list resumes only after all of them
    were handed on (where a resync put after ``await`` would have taken its place)."""
    rec = Recorder()
    link = PbxLink(config(pbx.port), intake=rec.intake, on_login=rec.on_login)
    running.append(link)
    await link.start()
    await until(lambda: rec.logins == 1)
    seen: list[tuple[int, int]] = []  # (events handed on, list items) when the hook ran

    def hook(answer: Any, received: float) -> None:
        seen.append((len(rec.events), len(answer)))

    link.pause_reading(True)  # busy: the answer and what follows wait unread together
    listing = asyncio.create_task(
        link.send({"Action": "CoreShowChannels"}, as_list=True, in_order=hook)
    )
    await asyncio.sleep(0.1)
    before = len(rec.events)
    linkedid = await pbx.inbound_call(agent_answers=True)
    await asyncio.sleep(0.1)
    link.pause_reading(False)
    answer = await listing
    resumed_at = len(rec.events)

    assert seen == [(before, len(answer))] and len(answer) >= 2  # start, complete
    assert resumed_at > before  # the call's events were handed on before the await resumed
    of_call = [i for i, e in enumerate(rec.events)
               if getattr(getattr(e, "channel", None), "linkedid", "") == linkedid]  # fmt: skip
    assert of_call and min(of_call) >= before  # the call came after the list, as it did
    await pbx.wait_idle()


def test_bytes_read_before_the_manager_is_known_do_not_break_the_connection() -> None:
    """The banner (and the login's answer) can be read before panoramisk gives the protocol
    its manager: an exception there made asyncio abort the fresh connection, and the link
    came back only after the login timed out (found by bench/chaos.py)."""
    from ami.link import _Protocol

    class Transport:
        def get_extra_info(self, *_: object) -> None:
            return None

    protocol = _Protocol()
    protocol.connection_made(Transport())
    assert protocol.factory is None
    protocol.data_received(
        b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: x\r\n"
        b"Message: Authentication accepted\r\n\r\nEvent: FullyBooted\r\nStatus: ok\r\n\r\n"
    )
