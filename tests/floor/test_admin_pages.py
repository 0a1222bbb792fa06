"""Admin pages for queues and pause reasons, and who may reach the floor's admin pages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.floor.models import PauseReason, QueueRow
from callcenter.live import CHANNEL


async def _queue(db_session: Any, name: str = "sales", **fields: Any) -> QueueRow:
    queue = QueueRow(pbx="default", name=name, **fields)
    db_session.add(queue)
    await db_session.commit()
    return queue


async def _reasons(db_session: Any, *names: str) -> list[PauseReason]:
    reasons = [PauseReason(name=n, position=i) for i, n in enumerate(names, start=1)]
    db_session.add_all(reasons)
    await db_session.commit()
    return reasons


async def _reason_names(db_session: Any) -> list[tuple[str, bool]]:
    db_session.expire_all()
    rows = await db_session.scalars(select(PauseReason).order_by(PauseReason.position))
    return [(r.name, r.active) for r in rows]


def _queue_form(csrf: str, **extra: Any) -> dict[str, Any]:
    form = {
        "csrf_token": csrf,
        "title": "Продажи",
        "service_level_seconds": "20",
        "wrapup_seconds": "0",
    }
    form.update(extra)
    return form


# -- access --------------------------------------------------------------------------------

PAGES = ("/admin/queues", "/admin/pause-reasons", "/dnc", "/api/v1/dnc")


@pytest.mark.parametrize(
    "role,statuses",
    [
        ("operator", (403, 403, 403, 403)),
        ("manager", (403, 403, 200, 200)),
        ("supervisor", (403, 403, 200, 200)),
        ("admin", (200, 200, 200, 200)),
    ],
)
async def test_each_role_reaches_only_its_floor_admin_pages(
    signed_in: Any, role: str, statuses: tuple[int, ...]
) -> None:
    client, _user, _csrf = await signed_in(role)
    for path, status in zip(PAGES, statuses, strict=True):
        assert (await client.get(path)).status == status, path


@pytest.mark.parametrize("role", ["operator", "manager", "supervisor"])
async def test_only_admin_changes_queues_and_pause_reasons(
    signed_in: Any, db_session: Any, role: str
) -> None:
    queue = await _queue(db_session)
    [reason] = await _reasons(db_session, "Lunch")
    client, _user, csrf = await signed_in(role)
    posts = {
        f"/admin/queues/{queue.id}": _queue_form(csrf, wrapup_seconds="30"),
        "/admin/pause-reasons": {"csrf_token": csrf, "name": "Обход"},
        f"/admin/pause-reasons/{reason.id}": {"csrf_token": csrf, "name": "X", "active": "1"},
        f"/admin/pause-reasons/{reason.id}/move": {"csrf_token": csrf, "direction": "down"},
    }
    for path, form in posts.items():
        assert (await client.post(path, data=form)).status == 403, path
    assert (await db_session.get(QueueRow, queue.id, populate_existing=True)).wrapup_seconds == 0
    assert await _reason_names(db_session) == [("Lunch", True)]


@pytest.mark.parametrize(
    "role,links",
    [
        ("operator", ()),
        ("supervisor", ("/dnc",)),
        ("manager", ("/dnc",)),
        ("admin", ("/admin/queues", "/dnc")),
    ],
)
async def test_navigation_shows_floor_admin_links_by_permission(
    signed_in: Any, role: str, links: tuple[str, ...]
) -> None:
    client, _user, _csrf = await signed_in(role)
    page = await (await client.get("/profile")).text()
    for href in ("/admin/queues", "/dnc"):
        assert (f'<a href="{href}"' in page) == (href in links), href


# -- queues --------------------------------------------------------------------------------


async def test_queue_list_marks_queues_gone_from_the_pbx(signed_in: Any, db_session: Any) -> None:
    await _queue(db_session, "sales", title="Продажи", strategy="ringall")
    await _queue(db_session, "old", on_pbx=False)
    client, _user, _csrf = await signed_in("admin")
    page = await (await client.get("/admin/queues")).text()
    assert "Продажи" in page and "ringall" in page
    assert page.index(">sales<") < page.index(">old<")  # the live ones first
    assert page.count("gone from the PBX") == 1 and "every operator" in page


async def test_bad_queue_settings_show_by_the_field_and_keep_what_was_typed(
    signed_in: Any, db_session: Any
) -> None:
    queue = await _queue(db_session)
    client, _user, csrf = await signed_in("admin")
    form = _queue_form(
        csrf, title="Входящие продажи", service_level_seconds="0", wrapup_seconds="ten"
    )
    response = await client.post(f"/admin/queues/{queue.id}", data=form)
    assert response.status == 422
    page = await response.text()
    assert 'id="err-service_level_seconds"' in page and "from 1 to 600" in page
    assert 'id="err-wrapup_seconds"' in page and "from 0 to 600" in page
    assert 'value="Входящие продажи"' in page and 'value="ten"' in page and 'value="0"' in page
    stored = await db_session.get(QueueRow, queue.id, populate_existing=True)
    assert (stored.title, stored.service_level_seconds) == ("", 20)


async def test_queue_settings_are_saved_with_allowed_agents_and_audited(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    queue = await _queue(db_session)
    ivanova = await make_user("operator", extension="101", full_name="Иванова Анна")
    await make_user("operator", extension="", full_name="Без номера")
    client, admin, csrf = await signed_in("admin")
    form_page = await (await client.get(f"/admin/queues/{queue.id}")).text()
    assert "Иванова Анна" in form_page and "Без номера" not in form_page
    assert "pauses the agent with the reason “Wrap-up”" in form_page
    form = _queue_form(csrf, service_level_seconds="30", wrapup_seconds="45")
    form["allowed_user_ids"] = str(ivanova.id)
    response = await client.post(f"/admin/queues/{queue.id}", data=form, allow_redirects=False)
    assert response.status == 302
    stored = await db_session.get(QueueRow, queue.id, populate_existing=True)
    assert (stored.title, stored.service_level_seconds, stored.wrapup_seconds) == (
        "Продажи",
        30,
        45,
    )
    assert stored.allowed_user_ids == [ivanova.id]
    [entry] = await db_session.scalars(select(AuditEntry).where(AuditEntry.entity == "queue"))
    assert entry.user_id == admin.id and entry.changes["wrapup_seconds"] == [0, 45]
    assert entry.changes["allowed_users"] == [[], [ivanova.login]]
    history = await (await client.get(f"/admin/queues/{queue.id}")).text()
    assert "History of changes" in history and ivanova.login in history


async def test_a_user_not_on_the_list_cannot_be_allowed_into_a_queue(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    queue = await _queue(db_session)
    no_phone = await make_user("operator", extension="")
    client, _user, csrf = await signed_in("admin")
    form = _queue_form(csrf, allowed_user_ids=str(no_phone.id))
    response = await client.post(f"/admin/queues/{queue.id}", data=form)
    assert response.status == 422
    assert 'id="err-allowed_user_ids"' in await response.text()


async def test_changing_the_wrapup_notifies_the_listener_at_commit(
    signed_in: Any, db_session: Any, database_url: str
) -> None:
    queue = await _queue(db_session)
    client, _user, csrf = await signed_in("admin")
    heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.add_listener(CHANNEL, lambda *args: heard.put_nowait(json.loads(args[-1])))
    try:
        await client.post(f"/admin/queues/{queue.id}", data=_queue_form(csrf, title="A"))
        await client.post(f"/admin/queues/{queue.id}", data=_queue_form(csrf, wrapup_seconds="30"))
        note = await asyncio.wait_for(heard.get(), timeout=5)
        assert heard.empty()  # the title alone announced nothing
    finally:
        await conn.close()
    assert note == {
        "kind": "queue_settings",
        "pbx": "default",
        "queue": "sales",
        "wrapup_seconds": 30,
    }


async def test_a_form_without_the_csrf_token_is_refused(signed_in: Any, db_session: Any) -> None:
    queue = await _queue(db_session)
    client, _user, csrf = await signed_in("admin")
    form = _queue_form(csrf, wrapup_seconds="30")
    del form["csrf_token"]
    assert (await client.post(f"/admin/queues/{queue.id}", data=form)).status == 403
    assert (await client.post("/admin/pause-reasons", data={"name": "Обход"})).status == 403
    assert (await db_session.get(QueueRow, queue.id, populate_existing=True)).wrapup_seconds == 0
    assert await _reason_names(db_session) == []


# -- pause reasons -------------------------------------------------------------------------


async def test_admin_adds_renames_deactivates_and_reorders_pause_reasons(
    signed_in: Any, db_session: Any
) -> None:
    lunch, brk = await _reasons(db_session, "Lunch", "Break")
    client, _user, csrf = await signed_in("admin")
    added = await client.post(
        "/admin/pause-reasons", data={"csrf_token": csrf, "name": "  Обход   зала "}
    )
    assert added.status == 200  # followed the redirect back to the list
    renamed = {"csrf_token": csrf, "name": "Long break", "active": "1"}
    await client.post(f"/admin/pause-reasons/{brk.id}", data=renamed)
    await client.post(
        f"/admin/pause-reasons/{lunch.id}", data={"csrf_token": csrf, "name": "Lunch"}
    )
    await client.post(
        f"/admin/pause-reasons/{lunch.id}/move", data={"csrf_token": csrf, "direction": "down"}
    )
    assert await _reason_names(db_session) == [
        ("Long break", True),
        ("Lunch", False),
        ("Обход зала", True),
    ]
    entries = await db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "pause_reason")
    )
    assert sorted(entries) == ["created", "updated", "updated"]


@pytest.mark.parametrize("name", ["Wrap-up", "wrap-up", "Итог звонка"])
async def test_the_wrapup_reason_is_reserved(signed_in: Any, db_session: Any, name: str) -> None:
    client, _user, csrf = await signed_in("admin")
    response = await client.post("/admin/pause-reasons", data={"csrf_token": csrf, "name": name})
    assert response.status == 422
    page = await response.text()
    assert "set by the CRM itself" in page and f'value="{name}"' in page
    assert await _reason_names(db_session) == []


async def test_a_reason_reading_like_another_is_refused_in_any_language(
    signed_in: Any, db_session: Any
) -> None:
    lunch, brk = await _reasons(db_session, "Lunch", "Break")
    client, _user, csrf = await signed_in("admin")
    for name in ("lunch", "Обед"):  # "Обед" is how Russian speakers see "Lunch"
        response = await client.post(
            "/admin/pause-reasons", data={"csrf_token": csrf, "name": name}
        )
        assert response.status == 422 and "This name is taken" in await response.text()
    rename = {"csrf_token": csrf, "name": "LUNCH", "active": "1"}
    response = await client.post(f"/admin/pause-reasons/{brk.id}", data=rename)
    page = await response.text()
    assert response.status == 422 and 'value="LUNCH"' in page
    too_long = {"csrf_token": csrf, "name": "x" * 61}
    response = await client.post("/admin/pause-reasons", data=too_long)
    assert response.status == 422 and "At most 60 characters" in await response.text()
    assert await _reason_names(db_session) == [("Lunch", True), ("Break", True)]


async def test_seeded_reasons_are_shown_in_the_users_language(
    signed_in: Any, db_session: Any
) -> None:
    await _reasons(db_session, "Lunch", "Technical")
    client, _user, _csrf = await signed_in("admin", language="ru")
    page = await (await client.get("/admin/pause-reasons")).text()
    assert "<td>Обед</td>" in page and "<td>Технический перерыв</td>" in page
    assert 'value="Lunch"' in page  # the stored name, which the PBX and history use
