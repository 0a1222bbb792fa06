"""The open pixel ``/m/o/{token}`` and the click redirect ``/m/c/{token}`` of mailing letters:
no login, no session, the signed token the only authority. A token we did not sign is a 404
that writes nothing and asks the database nothing; a click goes only to the URL stored for
the mailing's link. The hits are answered from the process's memory and stored in batches
(``callcenter.mailings.hits``: what is remembered, and what a crash can lose)."""

from __future__ import annotations

import base64
import logging

from aiohttp import web
from yarl import URL

from callcenter.errors import NotFound
from callcenter.i18n import N_
from callcenter.mailings.links import OPEN, verify, verify_click
from web.auth import by_token_alone
from web.csrf import csrf_exempt
from web.keys import HIT_RECORDER, SETTINGS

log = logging.getLogger(__name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 GIF
NOT_CACHED = {"Cache-Control": "no-store, private", "Referrer-Policy": "no-referrer"}


def _refused() -> NotFound:
    return NotFound(N_("Page not found"))


@by_token_alone  # a mail client's hit: no session read, no cookie set
@csrf_exempt
async def opened(request: web.Request) -> web.StreamResponse:
    recipient_id = verify(request.app[SETTINGS].secret_key, OPEN, request.match_info["token"])
    if recipient_id is None or not await request.app[HIT_RECORDER].opened(recipient_id):
        raise _refused()
    return web.Response(body=PIXEL, content_type="image/gif", headers=NOT_CACHED)


@by_token_alone
@csrf_exempt
async def clicked(request: web.Request) -> web.StreamResponse:
    named = verify_click(request.app[SETTINGS].secret_key, request.match_info["token"])
    if named is None:
        raise _refused()
    url = await request.app[HIT_RECORDER].clicked(*named)
    if url is None:
        raise _refused()
    raise web.HTTPFound(URL(url), headers=NOT_CACHED)  # non-ASCII percent-encoded
