"""The pages' shared context (menu, CSRF token, the due-task badge's query) is made for pages
only: a JSON call, /health or a static file gets no session made for it."""

from __future__ import annotations

from typing import Any


async def test_api_health_and_static_answers_make_no_session(api_as: Any) -> None:
    client, _user = await api_as("manager")
    for path in ("/api/v1/clients", "/api/v1/tasks", "/health", "/static/app.css"):
        response = await client.get(path)
        assert response.status == 200, path
        assert "cc_session" not in response.cookies, path


async def test_a_page_still_gets_its_context(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("manager")
    page = await (await client.get("/clients")).text()
    assert 'name="csrf_token"' in page and "/clients" in page


async def test_pages_name_an_icon_and_favicon_ico_leads_to_it(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("operator")
    page = await (await client.get("/workspace")).text()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    moved = await client.get("/favicon.ico", allow_redirects=False)
    assert moved.status == 301 and moved.headers["Location"] == "/static/favicon.svg"
    icon = await client.get("/static/favicon.svg")
    assert icon.status == 200 and (await icon.text()).startswith("<svg")
