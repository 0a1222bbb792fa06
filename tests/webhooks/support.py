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
