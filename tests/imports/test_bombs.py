"""Hostile uploads through the real app: each is refused with a message naming what it broke,
nothing is stored, the form keeps what was chosen, and meanwhile the server stays responsive:
/health, polled every 10 ms while the upload is taken in and read, answers every time within
100 ms (plus what it takes on this machine with nothing else going on), and no turn of the
event loop spends 100 ms of CPU."""

from __future__ import annotations

import asyncio
import http.client
import io
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiohttp import FormData
from sqlalchemy import func, select

from callcenter.dialer.models import Campaign
from callcenter.imports.models import Import, ImportFile
from callcenter.users.models import User
from tests.campaigns.support import add_queue
from tests.campaigns.test_pages import _post as campaign_form
from tests.conftest import sign_in
from tests.imports.bombs import (
    MAIN,
    SHARED,
    cell,
    header_sheet,
    laughs_sheet,
    many_entries,
    shared_strings_bomb,
    workbook,
    xxe_sheet,
)
from tests.imports.support import xlsx_bytes
from web.app import create_app

HEALTH_WITHIN = 0.1  # seconds
LOOP_TURN_WITHIN = 0.1  # seconds of CPU in one turn of the event loop
POLL_EVERY = 0.01
ATTEMPTS = 3


def _aaaaa() -> bytes:
    return workbook(header_sheet(cell("AAAAA1", "x")))


def _far_right() -> bytes:
    return workbook(header_sheet(cell("GS1", "Notes")))


def _strings_bomb() -> bytes:
    return workbook(header_sheet(), **{SHARED.replace("/", "__"): shared_strings_bomb(60)})


def _truncated() -> bytes:
    content = xlsx_bytes([["Name", "Phone"]] + [[f"Клиент {i}", i] for i in range(500)])
    return content[: len(content) // 2]


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "aaaaa.xlsx": (_aaaaa, "it has cell AAAAA1, beyond XFD1048576"),
    "far-right.xlsx": (_far_right, "Cell GS1 holds data, but an import reads only the first 200"),
    "strings-bomb.xlsx": (_strings_bomb, "its part xl/sharedStrings.xml unpacks to"),
    "entries.xlsx": (lambda: many_entries(10_000), "it packs more than 1000 files"),
    "xxe.xlsx": (lambda: workbook(xxe_sheet()), "This file is not a readable XLSX workbook"),
    "laughs.xlsx": (lambda: workbook(laughs_sheet()), "This file is not a readable XLSX workbook"),
    "endless-field.csv": (
        lambda: b"Name,Phone\n" + b"a" * (40 * 1024 * 1024) + b"\n",
        "Line 2 of the file is longer than 1048576 characters",
    ),
    "quoted-field.csv": (
        lambda: b'Name,Phone\n"' + b"line\n" * 1_000_000 + b'",1\n',
        "Line 2 has a cell of more than 32767 characters",
    ),
    "columns.csv": (
        lambda: b"Name,Phone\n" + b"," * 1_000_000 + b"x\n",
        "holds data, but an import reads only the first 200 columns",
    ),
    "garbage.xlsx": (lambda: os.urandom(200_000), "This file is not a readable XLSX workbook"),
    "empty.csv": (lambda: b"", "The file is empty"),
    "truncated.xlsx": (_truncated, "This file is not a readable XLSX workbook"),
}


Fields = list[tuple[str, str]]


def _multipart(fields: Fields, content: bytes, name: str) -> tuple[bytes, str]:
    """A form with a file, as a browser posts it: the body and its content type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts += [content, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Watch:
    """What the server's responsiveness was while a request was being handled."""

    health: list[float] = field(default_factory=list)  # each /health, polled every 10 ms
    quiet: float = 0.0  # the slowest /health before, with nothing else going on
    loop_turn: float = 0.0  # the most CPU the loop's thread spent between two of its ticks

    def trouble(self) -> str:
        """What was too slow, or "" when nothing was."""
        if not self.health:
            return "/health was not asked while the request was handled"
        slowest = max(self.health)
        # the machine's own pace (its CPUs are shared) widens the bound by what it costs
        if slowest >= HEALTH_WITHIN + self.quiet:
            return f"/health took up to {slowest:.3f} s ({self.quiet:.3f} s with nothing going on)"
        if self.loop_turn >= LOOP_TURN_WITHIN:
            return f"a turn of the event loop took {self.loop_turn:.3f} s of CPU"
        return ""


Sent = tuple[int, str]  # the status and the page (or the redirect's Location)


async def _responsive(send: Callable[[], Awaitable[tuple[int, str, Watch]]]) -> Sent:
    """Send the request until the server stayed responsive meanwhile, three times at most;
    the answer of each time is the same (the callers check it). A parse on the event loop,
    or one holding the GIL in a thread, makes every time slow alike, seconds for the files
    here; a machine busy with other work slows one time now and then, not three in a row."""
    troubles = []
    for _ in range(ATTEMPTS):
        status, page, watch = await send()
        if not (trouble := watch.trouble()):
            return status, page
        troubles.append(trouble)
    raise AssertionError("; ".join(troubles))


async def _watched(
    client: Any, method: str, path: str, body: bytes = b"", content_type: str = ""
) -> tuple[int, str, Watch]:
    """Send the request while /health is asked every 10 ms and a ticker watches the loop.

    The request goes out from a thread through http.client, whose sending holds no GIL, so
    that sending a body of 40 MB is no work for the event loop that serves /health."""
    watch = Watch(quiet=max(await _health_times(client, polls=30)))
    ticking = asyncio.Event()
    ticker = asyncio.create_task(_tick(watch, ticking))
    cookies = "; ".join(f"{c.key}={c.value}" for c in client.session.cookie_jar)
    url = client.make_url(path)
    sending = asyncio.ensure_future(
        asyncio.to_thread(_send, url, method, body, content_type, cookies)
    )
    while not sending.done():
        watch.health += await _health_times(client, polls=1)
    ticking.set()
    await ticker
    status, page = await sending
    return status, page, watch


async def _health_times(client: Any, polls: int) -> list[float]:
    took = []
    for _ in range(polls):
        started = time.perf_counter()
        async with client.get("/health") as health:
            await health.read()
            assert health.status == 200
        took.append(time.perf_counter() - started)
        await asyncio.sleep(POLL_EVERY)
    return took


async def _tick(watch: Watch, stop: asyncio.Event) -> None:
    """CPU time of the loop's thread between ticks 5 ms apart: what a callback holding the
    loop costs, whatever the rest of the machine is doing."""
    last = time.thread_time()
    while not stop.is_set():
        await asyncio.sleep(0.005)
        now = time.thread_time()
        watch.loop_turn, last = max(watch.loop_turn, now - last), now


def _send(url: Any, method: str, body: bytes, content_type: str, cookies: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection(url.host, url.port, timeout=120)
    headers = {"Cookie": cookies}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        connection.request(method, url.path_qs, body=body or None, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        return response.status, response.getheader("Location") or page
    finally:
        connection.close()


def _form(content: bytes, name: str, **fields: str) -> FormData:
    form = FormData()
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", io.BytesIO(content), filename=name)
    return form


async def _stored(db_session: Any) -> tuple[int, int]:
    imports = await db_session.scalar(select(func.count()).select_from(Import))
    files = await db_session.scalar(select(func.count()).select_from(ImportFile))
    return imports, files


@pytest.fixture
async def manager(
    aiohttp_client: Any, settings: Any, make_user: Any
) -> Callable[..., Awaitable[tuple[Any, User, str]]]:
    """``client, user, csrf = await manager()``: signed in to an app whose report and
    reminder jobs are off, so that only the uploads share its loop with /health."""

    async def sign_in_to(**changed: Any) -> tuple[Any, User, str]:
        quiet = replace(settings, report_refresh_seconds=0, reminder_check_seconds=0)
        client = await aiohttp_client(create_app(replace(quiet, **changed)))
        user = await make_user("manager")
        return client, user, await sign_in(client, user)

    return sign_in_to


@pytest.mark.parametrize("name", list(BOMBS))
async def test_each_bomb_is_refused_naming_its_limit_while_health_answers(
    manager: Any, db_session: Any, name: str
) -> None:
    client, _user, csrf = await manager()
    make, message = BOMBS[name]
    upload = _multipart([("csrf_token", csrf), ("target", "orders")], make(), name)
    status, page = await _responsive(lambda: _watched(client, "POST", "/imports/new", *upload))
    assert status == 422, page[:500]
    assert message in page
    assert 'value="orders" checked' in page  # what the file holds, as chosen
    assert await _stored(db_session) == (0, 0)


@pytest.mark.parametrize("name", ["aaaaa.xlsx", "strings-bomb.xlsx", "xxe.xlsx", "columns.csv"])
async def test_the_api_refuses_each_bomb_with_a_4xx_json_error(
    api_as: Any, db_session: Any, name: str
) -> None:
    client, _user = await api_as("manager")
    make, message = BOMBS[name]
    response = await client.post("/api/v1/imports", data=_form(make(), name))
    body = await response.json()
    assert response.status == 422
    assert body["error"] in ("import_invalid", "import_too_big") and message in body["message"]
    assert await _stored(db_session) == (0, 0)


def _unique_strings(count: int) -> Iterable[bytes]:
    """``count`` shared strings of random hex: they pack only about two to one."""
    yield f'<sst xmlns="{MAIN}">'.encode()
    hexes = os.urandom(count * 8).hex().encode()
    for start in range(0, count, 50_000):
        yield b"".join(
            b"<si><t>" + hexes[i * 16 : i * 16 + 16] + b"</t></si>"
            for i in range(start, min(count, start + 50_000))
        )
    yield b"</sst>"


def _heavy_workbook(strings: int) -> bytes:
    """A genuine workbook whose header needs all of its many shared strings read first."""
    header = '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}</row></sheetData>'
    sheet += "</worksheet>"
    return workbook(sheet, **{SHARED.replace("/", "__"): _unique_strings(strings)})


async def test_a_heavy_upload_is_read_off_the_event_loop(manager: Any, db_session: Any) -> None:
    """300,000 shared strings (10 MB of XML) read for the header and again for the preview:
    /health keeps answering; with a lower limit the same file is refused once past it."""
    content = _heavy_workbook(300_000)
    client, _user, csrf = await manager()
    upload = _multipart([("csrf_token", csrf)], content, "heavy.xlsx")
    status, mapping_url = await _responsive(
        lambda: _watched(client, "POST", "/imports/new", *upload)
    )
    assert status == 302, mapping_url[:500]
    status, page = await _responsive(lambda: _watched(client, "GET", mapping_url))
    assert status == 200 and 'name="column_1"' in page  # the mapping page, with its preview
    imports, files = await _stored(db_session)
    assert 1 <= imports == files <= ATTEMPTS  # a draft for each time it was sent

    strict, _user, csrf = await manager(import_max_shared_strings=200_000)
    upload = _multipart([("csrf_token", csrf)], content, "heavy.xlsx")
    status, page = await _responsive(lambda: _watched(strict, "POST", "/imports/new", *upload))
    assert status == 422 and "more than 200000 different texts" in page
    assert await _stored(db_session) == (imports, files)


async def test_a_campaign_contact_file_is_held_to_the_same_limits(
    manager: Any, db_session: Any
) -> None:
    client, _user, csrf = await manager()
    await add_queue(db_session)
    form = _multipart(campaign_form(csrf, source="file"), _aaaaa(), "numbers.xlsx")
    status, page = await _responsive(lambda: _watched(client, "POST", "/campaigns/new", *form))
    assert status == 422
    assert "it has cell AAAAA1, beyond XFD1048576" in page
    assert "Летняя акция" in page  # the form keeps what was typed
    assert await db_session.scalar(select(func.count()).select_from(Campaign)) == 0
