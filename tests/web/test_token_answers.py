"""The short way in for ``@by_token_alone`` handlers (``web.token_answers``): a tracking hit
walks none of the page middlewares, a page walks them all; a hit never reads nor changes a
session; what a hit's handler refuses or fails on is the app's error page in the reader's
language, with the security headers, logged without a trace shown."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from callcenter.db import make_engine, make_sessionmaker
from callcenter.mailings.links import open_url
from tests.conftest import sign_in
from tests.mailings.test_tracking import CLICK, PIXEL, _parts, _sent
from tests.web.test_security_headers import assert_secured
from web.keys import HIT_RECORDER, SESSIONMAKER

BASE = "https://crm.example.ru"


async def _hits(client: Any, settings: Any, make_user: Any) -> tuple[str, str]:
    """A sent letter's pixel and first click, as paths."""
    admin = await make_user("admin")
    _, letters = await _sent(client.app[SESSIONMAKER], settings, admin, ["anna"])
    html = _parts(letters["anna"])[1]
    return PIXEL.findall(html)[0].removeprefix(BASE), CLICK.findall(html)[0].removeprefix(BASE)


async def test_a_hit_walks_no_page_middleware_and_a_page_walks_them_all(
    aiohttp_client: Any, app: Any, settings: Any, make_user: Any
) -> None:
    walked: list[str] = []

    @web.middleware
    async def innermost(request: web.Request, handler: Any) -> web.StreamResponse:
        walked.append(request.path)
        return await handler(request)

    app.middlewares.append(innermost)  # after every middleware the app has
    client = await aiohttp_client(app)
    pixel, click = await _hits(client, settings, make_user)
    tampered = pixel[:-1] + ("A" if pixel[-1] != "A" else "B")
    assert (await client.get(pixel)).status == 200
    assert (await client.get(click, allow_redirects=False)).status == 302
    assert (await client.get(tampered)).status == 404
    assert walked == []
    assert (await client.get("/login")).status == 200
    assert (await client.get("/no-such-page")).status == 404  # no route: the pages' way
    assert walked == ["/login", "/no-such-page"]


async def test_a_hit_with_a_signed_in_users_cookie_neither_reads_nor_changes_the_session(
    client: Any, settings: Any, make_user: Any
) -> None:
    pixel, click = await _hits(client, settings, make_user)
    await sign_in(client, await make_user("manager"))
    for path in (pixel, click, pixel[:-2] + "xx"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status in (200, 302, 404), path
        assert "Set-Cookie" not in answer.headers, path
    assert (await client.get("/profile", allow_redirects=False)).status == 200  # still in


async def test_hits_answer_with_the_security_headers_and_are_never_cached(
    client: Any, settings: Any, make_user: Any
) -> None:
    pixel, click = await _hits(client, settings, make_user)
    for path, status in ((pixel, 200), (click, 302)):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == status
        headers = answer.headers
        assert headers["Cache-Control"] == "no-store, private", path
        assert headers["Referrer-Policy"] == "no-referrer", path  # the hit's own, kept
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"]
        assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert answer.headers["Location"] == "https://shop.example.ru/catalog?a=1&b=2"


async def test_a_refused_hit_is_the_error_page_in_the_language_the_reader_asks_for(
    client: Any, settings: Any, make_user: Any
) -> None:
    pixel, _ = await _hits(client, settings, make_user)
    tampered = pixel[:-1] + ("A" if pixel[-1] != "A" else "B")
    for asked, page in (({"Accept-Language": "ru-RU,ru"}, "Страница не найдена"),
                        ({"Accept-Language": "en-GB"}, "Page not found"),
                        ({"Cookie": "lang=ru"}, "Страница не найдена")):  # fmt: skip
        answer = await client.get(tampered, headers=asked)
        assert answer.status == 404
        assert answer.headers["Content-Type"].startswith("text/html")
        assert page in await answer.text(), asked
        assert_secured(answer, str(asked))
    garbage = await client.get("/m/c/" + "9-" * 3000 + ".x", headers={"Accept-Language": "en"})
    assert garbage.status == 404 and "Page not found" in await garbage.text()


async def test_a_hit_whose_handler_fails_is_a_500_page_logged_with_no_trace_shown(
    client: Any, settings: Any, caplog: Any
) -> None:
    # the recorder's database is a port nothing listens on: a real refused connection
    unreachable = make_engine("postgresql+asyncpg://nobody@127.0.0.1:9/nothing")
    client.app[HIT_RECORDER].sessionmaker = make_sessionmaker(unreachable)
    try:
        with caplog.at_level(logging.ERROR, logger="web.errors"):
            answer = await client.get(
                open_url("", settings.secret_key, 777, 1), headers={"Accept-Language": "en"}
            )
        body = await answer.text()
        assert answer.status == 500 and "Something went wrong on our side" in body
        assert "Traceback" not in body and "127.0.0.1:9" not in body
        assert_secured(answer, "a failed hit")
        assert any("unhandled error on GET /m/o/" in r.getMessage() for r in caplog.records)
    finally:
        await unreachable.dispose()
