"""Sending a file as it is made: exports of lists and the bad-rows report."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Iterable
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

from aiohttp import web

from callcenter.exports.job import ExportJob
from callcenter.exports.stream import FORMATS
from web import i18n
from web.auth import current_user
from web.keys import BACK_OFFICE, SETTINGS


def _disposition(filename: str) -> str:
    """An uploaded file's name comes back in this header: no quotes, no control characters."""
    filename = re.sub(r"[\x00-\x1f\x7f]", "", filename)
    plain = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def export_file(
    request: web.Request, list_name: str, query: Any, file_format: str
) -> AsyncGenerator[bytes, None]:
    """A list's file, made by a back-office process (callcenter/exports/job.py) for the user
    who asked, in their language and time zone."""
    job = ExportJob(
        list_name,
        query,
        actor_id=current_user(request).id,
        file_format=file_format,
        region=request.app[SETTINGS].default_region,
        language=i18n.LANGUAGE.get(),
        timezone=i18n.TIMEZONE.get(),
        delimiter=request.query.get("delimiter", ""),
    )
    return request.app[BACK_OFFICE].stream(job)


async def stream_file(
    request: web.Request, chunks: AsyncGenerator[bytes, None], *, filename: str, file_format: str
) -> web.StreamResponse:
    """The first piece is made before the headers go out, so a refusal is still an error page.
    However the response ends (the client gone, a failure), the pieces' maker is closed."""
    async with aclosing(chunks):
        return await _stream(request, chunks, filename=filename, file_format=file_format)


async def _stream(
    request: web.Request, chunks: AsyncGenerator[bytes, None], *, filename: str, file_format: str
) -> web.StreamResponse:
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


async def pieces(parts: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    for part in parts:
        yield part
