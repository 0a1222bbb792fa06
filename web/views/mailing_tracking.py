"""The open pixel ``/m/o/{token}`` and the click redirect ``/m/c/{token}`` of mailing letters:
no login, no session, the signed token the only authority (answered outside the page
middlewares: ``web.token_answers``). A token we did not sign is a 404 that writes nothing and
asks the database nothing; a click goes only to the URL stored for the mailing's link. The
hits are answered from the process's memory and stored in batches
(``callcenter.mailings.hits``: what is remembered, and what a crash can lose); the answers'
bytes and headers are made once."""

from __future__ import annotations

import base64
import functools

from aiohttp import web
from yarl import URL

from callcenter.errors import NotFound
from callcenter.i18n import N_
from callcenter.mailings.links import verify_click, verify_open
from web.auth import by_token_alone
from web.csrf import csrf_exempt
from web.keys import HIT_RECORDER, SETTINGS

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 GIF
NOT_CACHED = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}
PIXEL_HEADERS = {"Content-Type": "image/gif", **NOT_CACHED}


def _refused() -> NotFound:
    return NotFound(N_("Page not found"))


@functools.lru_cache(maxsize=4096)
def _location(url: str) -> str:
    """A stored link as a Location header: non-ASCII percent-encoded (once per link)."""
    return str(URL(url))


@by_token_alone  # a mail client's hit: no session read, no cookie set
@csrf_exempt
async def opened(request: web.Request) -> web.StreamResponse:
    named = verify_open(request.app[SETTINGS].secret_key, request.match_info["token"])
    if named is None or not await request.app[HIT_RECORDER].opened(
        named.recipient_id, named.mailing_id
    ):
        raise _refused()
    return web.Response(body=PIXEL, headers=PIXEL_HEADERS)


@by_token_alone
@csrf_exempt
async def clicked(request: web.Request) -> web.StreamResponse:
    named = verify_click(request.app[SETTINGS].secret_key, request.match_info["token"])
    if named is None or named.number is None:
        raise _refused()
    url = await request.app[HIT_RECORDER].clicked(
        named.recipient_id, named.number, mailing_id=named.mailing_id
    )
    if url is None:
        raise _refused()
    return web.Response(status=302, headers={"Location": _location(url), **NOT_CACHED})
