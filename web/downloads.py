"""Sending a file as it is made: exports of lists and the bad-rows report."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from urllib.parse import quote

from aiohttp import web

from callcenter.exports.stream import FORMATS


def _disposition(filename: str) -> str:
    """An uploaded file's name comes back in this header: no quotes, no control characters."""
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename)
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


async def stream_file(
    request: web.Request, chunks: AsyncIterator[bytes], *, filename: str, file_format: str
) -> web.StreamResponse:
    """The first piece is made before the headers go out, so a refusal is still an error page."""
    first = await anext(chunks, b"")
    response = web.StreamResponse(
        headers={
            "Content-Type": FORMATS[file_format],
            "Content-Disposition": _disposition(filename),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    await response.prepare(request)
    await response.write(first)
    async for chunk in chunks:
        if chunk:
            await response.write(chunk)
    await response.write_eof()
    return response


async def pieces(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
