"""Screen-pops: NOTIFY at commit, heard by every web process, pushed to the operator's sockets."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import asyncpg

from callcenter.calls.screenpop import ScreenPop
from callcenter.calls.service import save_call
from callcenter.db import make_engine, make_sessionmaker
from callcenter.live import notify
from tests.calls.test_calls_store import inbound_answered
from tests.conftest import sign_in
from web.app import create_app
from web.keys import LIVE_HUB
from web.live import CALLS_PER_OTHER, HUB_NAME, Listener, LiveHub
from web.pop_cards import READS_AHEAD


async def ring(
    database_url: str,
    *,
    extension: str = "101",
    number: str = "+79161234567",
    linkedid: str = "1795715043.26",
    kind: str = "ringing",
) -> None:
    """What the PBX listener does: store the call and NOTIFY, in one transaction."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        await save_call(session, inbound_answered(linkedid, caller=number))
        await notify(
            session,
            kind,
            linkedid=linkedid,
            extension=extension,
            number=number,
            direction="inbound",
            queue="sales",
        )
    await engine.dispose()


async def frame_of(ws: Any, kind: str, within: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            frame = await ws.receive_json()
            if frame["type"] == kind:
                return frame


async def until_listening(app: Any) -> None:
    async with asyncio.timeout(5):
        while not app[LIVE_HUB].listening:  # noqa: ASYNC110 - the hub exposes a flag
            await asyncio.sleep(0.01)


async def operator_socket(client: Any, make_user: Any, **fields: Any) -> tuple[Any, Any]:
    fields.setdefault("extension", "101")
    user = await make_user("operator", **fields)
    await sign_in(client, user)
    ws = await client.ws_connect("/ws/live")
    hello = await frame_of(ws, "hello")
    assert hello["extension"] == fields["extension"]
    return ws, user


async def test_known_caller_pops_with_the_client_card(
    client: Any, app: Any, make_user: Any, db_session: Any, database_url: str
) -> None:
    from callcenter.clients.models import Client, ClientPhone
    from callcenter.tasks.models import Task

    known = Client(
        kind="person",
        name="Иван Петров",
        phones=[ClientPhone(number="8 916 123-45-67", e164="+79161234567")],
    )
    db_session.add(known)
    await db_session.flush()
    db_session.add(
        Task(kind="call", title="Обещали перезвонить", due_at=datetime.now(UTC), client_id=known.id)
    )
    await db_session.commit()
    ws, _ = await operator_socket(client, make_user)
    await until_listening(app)
    await ring(database_url)
    frame = await frame_of(ws, "ringing")
    assert frame["linkedid"] == "1795715043.26"
    assert "Иван Петров" in frame["html"] and "8 (916) 123-45-67" in frame["html"]
    assert "Обещали перезвонить" in frame["html"]
    await ws.close()


async def test_unknown_caller_gets_a_new_client_card_offer(
    client: Any, app: Any, make_user: Any, database_url: str
) -> None:
    ws, _ = await operator_socket(client, make_user, language="en")
    await until_listening(app)
    await ring(database_url, number="+79035550000")
    html = (await frame_of(ws, "ringing"))["html"]
    assert "Unknown number" in html and "/clients/new?kind=person&phone=%2B79035550000" in html
    await ws.close()


async def test_other_extensions_do_not_pop_and_every_tab_does(
    client: Any, app: Any, make_user: Any, database_url: str, aiohttp_client: Any, settings: Any
) -> None:
    first_tab, user = await operator_socket(client, make_user)
    second_tab = await client.ws_connect("/ws/live")
    await frame_of(second_tab, "hello")
    other_app = create_app(settings)
    other_ws, _ = await operator_socket(await aiohttp_client(other_app), make_user, extension="102")
    await until_listening(app)
    await until_listening(other_app)
    await ring(database_url)
    for tab in (first_tab, second_tab):
        assert (await frame_of(tab, "ringing"))["linkedid"] == "1795715043.26"
    await ring(database_url, kind="answered")
    assert (await frame_of(first_tab, "answered"))["linkedid"] == "1795715043.26"
    try:
        unexpected = await other_ws.receive_json(timeout=0.3)
    except TimeoutError:
        unexpected = None
    assert unexpected is None, "extension 102 must not pop a call ringing at 101"
    for ws in (first_tab, second_tab, other_ws):
        await ws.close()


async def test_operator_on_another_web_process_pops_too(
    settings: Any, make_user: Any, aiohttp_client: Any, database_url: str
) -> None:
    """Two apps on one database, each with its own engine and LISTEN connection."""
    app_a, app_b = create_app(settings), create_app(settings)
    client_a, client_b = await aiohttp_client(app_a), await aiohttp_client(app_b)
    ws, _ = await operator_socket(client_b, make_user)
    await until_listening(app_b)
    await until_listening(app_a)
    await ring(database_url)
    assert (await frame_of(ws, "ringing"))["linkedid"] == "1795715043.26"
    await ws.close()
    await client_a.close()


async def test_reconnecting_page_receives_the_call_ringing_now(
    client: Any, make_user: Any, database_url: str
) -> None:
    await ring(database_url)  # rang while the page was away: stored, agent leg not answered
    user = await make_user("operator", extension="101")
    await sign_in(client, user)
    ws = await client.ws_connect("/ws/live")
    frame = await frame_of(ws, "ringing")
    assert frame["linkedid"] == "1795715043.26"
    await ws.close()


async def test_page_hears_the_hub_go_deaf_and_gets_the_call_that_rang_meanwhile(
    client: Any, app: Any, make_user: Any, database_url: str
) -> None:
    ws, _ = await operator_socket(client, make_user)
    await until_listening(app)
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            HUB_NAME,
        )
    finally:
        await conn.close()
    assert (await frame_of(ws, "link"))["listening"] is False  # the page stops saying online
    await ring(database_url)  # while the hub is deaf: its NOTIFY is lost
    assert (await frame_of(ws, "link"))["listening"] is True
    frame = await frame_of(ws, "ringing")
    assert frame["linkedid"] == "1795715043.26" and "html" in frame
    await ws.close()


async def test_wrapup_records_result_note_and_a_follow_up_task(
    client: Any, make_user: Any, database_url: str, db_session: Any
) -> None:
    from sqlalchemy import select

    from callcenter.calls.models import CallWrapup
    from callcenter.tasks.models import Task

    await ring(database_url)
    user = await make_user("operator", extension="101", timezone="Europe/Moscow")
    csrf = await sign_in(client, user)
    url = "/calls/1795715043.26/wrapup"
    bad = await client.post(
        url,
        data={"result": "nonsense", "follow_up_at": "2000-01-01T10:00"},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status == 422
    assert set((await bad.json())["fields"]) == {"result", "follow_up_at"}
    response = await client.post(
        url,
        data={
            "result": "follow_up",
            "note": "Перезвонить с ценой",
            "follow_up_at": "2099-03-02T10:30",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 200, await response.text()
    task_id = (await response.json())["follow_up_task_id"]
    task = await db_session.get(Task, task_id)
    assert (task.assignee_id, task.phone, task.title) == (
        user.id,
        "+79161234567",
        "Перезвонить с ценой",
    )
    assert task.due_at.isoformat() == "2099-03-02T07:30:00+00:00"  # 10:30 in Moscow
    wrapup = await db_session.scalar(select(CallWrapup))
    assert wrapup.result == "follow_up" and wrapup.user_id == user.id
    no_csrf = await client.post(url, data={"result": "resolved"})
    assert no_csrf.status == 403


async def test_a_pop_goes_out_before_a_burst_of_reminders_heard_first(app: Any) -> None:
    hub = LiveHub(app)
    sent: list[str] = []

    async def dispatch(message: dict[str, Any]) -> None:
        sent.append(f"{message['kind']}:{message.get('linkedid', message.get('task_id'))}")

    hub.dispatch = dispatch  # type: ignore[method-assign]
    for n in range(50):
        hub.on_notify(None, 0, "", json.dumps({"kind": "task_due", "task_id": n}))
    hub.on_notify(None, 0, "", json.dumps({"kind": "ringing", "linkedid": "a"}))
    hub.on_notify(None, 0, "", json.dumps({"kind": "answered", "linkedid": "a"}))
    runner = asyncio.create_task(hub.dispatch_forever())
    async with asyncio.timeout(2):
        while len(sent) < 52:  # noqa: ASYNC110 - the recorder is filled by the task
            await asyncio.sleep(0.01)
    runner.cancel()
    assert sent[:3] == ["ringing:a", "answered:a", "task_due:0"]  # calls first, each in order
    assert sent[2:] == [f"task_due:{n}" for n in range(50)]


async def test_a_burst_of_calls_has_its_cards_read_together_and_sent_in_order(app: Any) -> None:
    hub = LiveHub(app)
    reading, most = 0, 0

    async def read_pop(message: dict[str, Any], retried: bool = False) -> ScreenPop:
        nonlocal reading, most
        reading += 1
        most = max(most, reading)
        await asyncio.sleep(0.05)  # a round trip to PostgreSQL
        reading -= 1
        return ScreenPop(message["linkedid"], message["number"], "inbound", "")

    hub.cards.read = read_pop  # type: ignore[method-assign]
    sent: list[tuple[str, str, bool]] = []

    class Page:
        closed = False

        async def send_json(self, frame: dict[str, Any]) -> None:
            sent.append((frame["type"], frame["linkedid"], "html" in frame))

    page = Page()
    hub.sockets[page] = Listener(1, "101", "en", "UTC")  # type: ignore[index]
    hub.by_extension["101"].add(page)  # type: ignore[arg-type]
    calls = READS_AHEAD + 4  # more than are read at once
    for n in range(calls):
        for kind in ("ringing", "answered"):
            message = {"kind": kind, "linkedid": f"c{n}", "extension": "101", "number": "+7916"}
            hub.on_notify(None, 0, "", json.dumps(message))
    runner = asyncio.create_task(hub.dispatch_forever())
    async with asyncio.timeout(2):
        while len(sent) < 2 * calls:  # noqa: ASYNC110 - the page is filled by the dispatcher
            await asyncio.sleep(0.005)
    runner.cancel()
    kinds = ("ringing", "answered")
    assert sent == [(k, f"c{n}", k == "ringing") for n in range(calls) for k in kinds]
    # read together (one at a time, ``most`` would be 1), never more than the pool allows;
    # not timed: a wall-clock bound fails on a busy machine without saying anything
    assert most == READS_AHEAD


async def test_a_stream_of_calls_never_holds_the_wallboards_back(app: Any) -> None:
    """Calls go first, but the floor's figures go on their own tick: a burst of pops that
    keeps the hub busy for a while delays the wallboards by at most a tick, and the other
    messages (reminders, commands) still get one turn after every few calls."""
    hub = LiveHub(app)
    sent: list[str] = []
    floor: list[tuple[int, list[str]]] = []  # (calls sent before it, its figures)

    async def dispatch(message: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)  # a pop's card read and render
        sent.append(message["kind"])

    async def send_floor(figures: list[dict[str, Any]]) -> None:
        floor.append((sent.count("ringing"), [f["interface"] for f in figures]))

    hub.dispatch = dispatch  # type: ignore[method-assign]
    hub.send_floor = send_floor  # type: ignore[method-assign]
    for n in range(100):
        hub.on_notify(None, 0, "", json.dumps({"kind": "ringing", "linkedid": f"c{n}"}))
        if n < 5:
            agent = {"kind": "agent", "pbx": "default", "interface": f"PJSIP/{n}"}
            hub.on_notify(None, 0, "", json.dumps(agent))
            hub.on_notify(None, 0, "", json.dumps({"kind": "task_count", "user_id": n}))
    tasks = [asyncio.create_task(hub.dispatch_forever()), asyncio.create_task(hub.floor_forever())]
    async with asyncio.timeout(5):
        while len(sent) < 105:  # noqa: ASYNC110 - the recorder is filled by the task
            await asyncio.sleep(0.01)
    for task in tasks:
        task.cancel()
    # the figures went at once, together, before the burst of 100 calls (a second) was through
    assert floor == [(0, [f"PJSIP/{n}" for n in range(5)])]
    every = CALLS_PER_OTHER + 1
    assert [i for i, kind in enumerate(sent) if kind == "task_count"] == [
        every * k + CALLS_PER_OTHER for k in range(5)
    ]
    assert sent[:CALLS_PER_OTHER] == ["ringing"] * CALLS_PER_OTHER  # calls first


async def test_an_overloaded_hub_sends_each_agents_and_queues_newest_figures_once(
    app: Any,
) -> None:
    """Floor figures are each the whole state of one agent or queue: a newer one waiting
    takes the older's place, so a burst is bounded by agents + queues, never dropped, and
    goes out as one batch; calls go their own way."""
    hub = LiveHub(app)
    batches: list[list[tuple[str, str, int]]] = []
    calls: list[str] = []

    async def dispatch(message: dict[str, Any]) -> None:
        calls.append(message["linkedid"])

    async def send_floor(figures: list[dict[str, Any]]) -> None:
        what = [str(f.get("interface") or f.get("queue")) for f in figures]
        batches.append([(f["kind"], w, f.get("n", -1)) for f, w in zip(figures, what, strict=True)])

    hub.dispatch = dispatch  # type: ignore[method-assign]
    hub.send_floor = send_floor  # type: ignore[method-assign]
    for n in range(20_000):  # twice what the hub keeps waiting of other messages
        agent = {"kind": "agent", "pbx": "default", "interface": f"PJSIP/{n % 200}", "n": n}
        hub.on_notify(None, 0, "", json.dumps(agent))
        if n % 100 == 0:
            queue = {"kind": "queue", "pbx": "default", "queue": f"q{n % 3}", "n": n}
            hub.on_notify(None, 0, "", json.dumps(queue))
    hub.on_notify(
        None, 0, "", json.dumps({"kind": "agent", "pbx": "other", "interface": "PJSIP/1"})
    )
    hub.on_notify(None, 0, "", json.dumps({"kind": "ringing", "linkedid": "a"}))
    tasks = [asyncio.create_task(hub.dispatch_forever()), asyncio.create_task(hub.floor_forever())]
    async with asyncio.timeout(2):
        while not batches or not calls:  # noqa: ASYNC110 - the recorders are filled by tasks
            await asyncio.sleep(0.01)
    assert calls == ["a"]
    [sent] = batches
    agents = {what: n for kind, what, n in sent if kind == "agent" and n >= 0}
    assert agents == {f"PJSIP/{i}": 19_800 + i for i in range(200)}  # each one's newest
    queues = {what: n for kind, what, n in sent if kind == "queue"}
    assert queues == {"q0": 19_800, "q1": 19_900, "q2": 19_700}
    assert ("agent", "PJSIP/1", -1) in sent  # another PBX's agent is another agent
    assert len(sent) == 200 + 3 + 1 and hub.coalesced == 20_000 + 200 - 203

    # once sent, the next figure of the same agent waits again, for the next tick
    hub.on_notify(
        None, 0, "", json.dumps({"kind": "agent", "pbx": "default", "interface": "PJSIP/0", "n": 1})
    )
    async with asyncio.timeout(2):
        while len(batches) < 2:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    for task in tasks:
        task.cancel()
    assert batches[1] == [("agent", "PJSIP/0", 1)]
