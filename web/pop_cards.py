"""The screen-pop's card as the live hub sends it: read from PostgreSQL (for a burst of
ringing calls, a few ahead of the frame being sent) and rendered per language, time zone and
the clients the viewer may see."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.exc import DBAPIError

from callcenter.calls.screenpop import ScreenPop, build_pop
from callcenter.live import LiveKind
from web import i18n
from web.keys import POP_READER, SETTINGS

# cards of later ringing calls read while a frame is sent: a card read waits on PostgreSQL and
# on this loop, so under load its latency, not its cost, bounds the pops a second (four in
# flight at ~100 ms each was 40 a second, below a busy floor's); the hot pool holds them all
READS_AHEAD = 12
LOOK_AHEAD = 64  # how far down the waiting calls to look for them


class PopCards:
    """One web process's card reader; a card read ahead rides on its message (``_card``)
    until the frame is sent."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._reads: set[asyncio.Task[ScreenPop]] = set()  # cards being read ahead

    def read_ahead(
        self, waiting: Iterable[dict[str, Any]], shown: Callable[[dict[str, Any]], bool]
    ) -> None:
        """Start reading the cards of the next ringing calls that some page ``shown``, in
        order, while earlier frames are sent: a burst of calls no longer waits for one card
        read at a time (each is a round trip to PostgreSQL). Frames still go out in the
        order heard."""
        for message in itertools.islice(waiting, LOOK_AHEAD):
            if len(self._reads) >= READS_AHEAD:
                return
            if (
                message.get("kind") == LiveKind.RINGING
                and "_card" not in message
                and shown(message)
            ):
                read = asyncio.create_task(self.read(message))
                self._reads.add(read)
                read.add_done_callback(self._reads.discard)
                message["_card"] = read

    async def render(
        self, language: str, timezone: str, scope: int | None, message: dict[str, Any]
    ) -> str:
        """The card for a viewer of this language, time zone and client ``scope`` (see
        ``callcenter.clients.service.client_scope``): read once per call, shown per scope."""
        read, pop = message.get("_card"), None
        if read is not None:
            with contextlib.suppress(DBAPIError):  # read ahead on a connection that died
                pop = await read
        if pop is None:
            pop = await self.read(message)
        i18n.LANGUAGE.set(language)
        i18n.TIMEZONE.set(timezone)
        i18n.REGION.set(self.app[SETTINGS].default_region)
        template = aiohttp_jinja2.get_env(self.app).get_template("workspace/_pop.html")
        # the wrap-up form's own key, so a double submit saves one wrap-up
        return template.render(pop=pop.seen_in(scope), form_key=uuid.uuid4().hex)

    async def read(self, message: dict[str, Any], retried: bool = False) -> ScreenPop:
        try:
            async with self.app[POP_READER]() as session:  # reads only: no transaction
                return await build_pop(
                    session,
                    linkedid=message.get("linkedid", ""),
                    number=message.get("number", ""),
                    direction=message.get("direction", ""),
                    queue=message.get("queue", ""),
                )
        except DBAPIError:
            if retried:
                raise
        # a pooled connection may have died with the database: once more, on a fresh one
        return await self.read(message, retried=True)


def forget_card(message: dict[str, Any]) -> None:
    """A card read ahead for a frame nobody took (the page closed meanwhile): its outcome
    is collected, so a failed read is not reported as never retrieved."""
    read = message.pop("_card", None)
    if read is not None:
        read.add_done_callback(lambda task: task.cancelled() or task.exception())
