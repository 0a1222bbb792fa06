"""A webhook receiver on loopback (a real aiohttp server) whose answers a test scripts, and
the ``verify`` function of docs/webhooks.md, taken from the page itself so the documented
check is the one tested."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verify() -> Callable[[str, str, bytes], bool]:
    """The ``verify`` of the doc's first Python block, run as a reader would paste it."""
    block = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert block, "docs/webhooks.md has no Python block"
    scope: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOC), "exec"), scope)  # noqa: S102 (our own doc)
    return scope["verify"]


@dataclass
class Heard:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each post with ``answer(heard)`` (a status), 204 by default; keeps them all."""

    heard: list[Heard] = field(default_factory=list)
    answer: Callable[[Heard], int] = lambda heard: 204
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        heard = Heard(dict(request.headers), await request.read())
        self.heard.append(heard)
        status = self.answer(heard)
        return web.Response(status=status, text=f"answer {status} <b>&</b>")

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def documented_fields() -> dict[str, set[str]]:
    """Each event's ``data`` fields as the Events table of docs/webhooks.md lists them (a row
    saying "the same" repeats the row above; an event's name stands for its fields)."""
    section = DOC.read_text().split("## Events", 1)[1].split("\n## ", 1)[0]
    found: dict[str, set[str]] = {}
    last: set[str] = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[3])
        if names or cells[3] != "the same":
            last = set()
            for name in names:
                last |= found.get(name, {name})
        for event in re.findall(r"`([^`]+)`", cells[0]):
            found[event] = set(last)
    return found
