"""Task pages: the list with filters, forms that keep what was typed, closing, roles, CSRF."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from callcenter.tasks.models import Task
from tests.tasks.support import add_client, add_task, ago, ahead, rang_in_queue


async def _status_of(session: Any, task_id: int) -> str:
    return await session.scalar(select(Task.status).where(Task.id == task_id))


async def test_my_list_shows_my_open_tasks_and_marks_the_overdue(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, me, _csrf = await signed_in("operator")
    other = await make_user("operator")
    await add_task(db_session, assignee_id=me.id, title="Просроченная задача", due_at=ago(hours=2))
    await add_task(db_session, assignee_id=me.id, title="Завтрашняя задача", due_at=ahead(days=1))
    await add_task(db_session, assignee_id=other.id, title="Чужая задача")
    page = await (await client.get("/tasks")).text()
    assert "Просроченная задача" in page and "Завтрашняя задача" in page
    assert "Чужая задача" not in page
    assert page.count("overdue-row") == 1 and 'id="due-badge"' in page
    overdue_only = await (await client.get("/tasks?overdue=1")).text()
    assert "Завтрашняя задача" not in overdue_only


async def test_a_task_made_from_a_client_card_lands_on_the_card(
    signed_in: Any, db_session: Any
) -> None:
    client, me, csrf = await signed_in("operator", timezone="Europe/Moscow")
    buyer = await add_client(db_session, "ООО Ромашка")
    form_page = await (await client.get(f"/tasks/new?client={buyer.id}")).text()
    assert "ООО Ромашка" in form_page and 'name="due_at"' in form_page
    response = await client.post(
        "/tasks/new",
        data={
            "csrf_token": csrf,
            "kind": "call",
            "title": "Уточнить адрес доставки",
            "due_at": "2031-03-01T10:30",
            "assignee_id": str(me.id),
            "client_id": str(buyer.id),
            "phone": "8 916 123-45-67",
        },
        allow_redirects=False,
    )
    assert response.status == 302
    task = await db_session.scalar(select(Task))
    assert task.due_at.isoformat() == "2031-03-01T07:30:00+00:00"  # 10:30 in Moscow
    assert task.phone == "+79161234567"
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "Уточнить адрес доставки" in card


async def test_a_bad_form_keeps_what_was_typed_and_says_what_is_wrong(signed_in: Any) -> None:
    client, _me, csrf = await signed_in("operator")
    response = await client.post(
        "/tasks/new",
        data={"csrf_token": csrf, "kind": "call", "title": "", "due_at": "2031-03-01T10:30",
              "notes": "Клиент просил после обеда", "assignee_id": ""},
    )  # fmt: skip
    page = await response.text()
    assert response.status == 422
    assert "Say what is to be done" in page and "Choose who does it" in page
    assert "Клиент просил после обеда" in page and 'value="2031-03-01T10:30"' in page


async def test_reassigning_and_completing_from_the_pages(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, me, csrf = await signed_in("operator")
    colleague = await make_user("manager", full_name="Борис Менеджер")
    task = await add_task(db_session, assignee_id=me.id, created_by_id=me.id, title="Передать")
    edit = await (await client.get(f"/tasks/{task.id}/edit")).text()
    assert "Борис Менеджер" in edit
    form = {"csrf_token": csrf, "kind": "call", "title": "Передать", "due_at": "2031-01-01T09:00",
            "assignee_id": str(colleague.id)}  # fmt: skip
    response = await client.post(f"/tasks/{task.id}/edit", data=form, allow_redirects=False)
    assert response.status == 302
    detail = await (await client.get(f"/tasks/{task.id}")).text()
    assert "Борис Менеджер" in detail and "<b>Assignee</b>" in detail  # the change, in words
    assert "assignee_id" not in detail
    other = await add_task(db_session, assignee_id=me.id, title="Сделать")
    response = await client.post(
        f"/tasks/{other.id}/complete",
        data={"csrf_token": csrf, "note": "Сделано", "next": "/tasks?status="},
        allow_redirects=False,
    )
    assert response.status == 302 and response.headers["Location"] == "/tasks?status="
    assert await _status_of(db_session, other.id) == "done"


async def test_closing_needs_the_csrf_token(signed_in: Any, db_session: Any) -> None:
    client, me, _csrf = await signed_in("operator")
    task = await add_task(db_session, assignee_id=me.id)
    response = await client.post(f"/tasks/{task.id}/complete", data={"note": "x"})
    assert response.status == 403


async def test_an_operator_takes_a_task_from_their_queues_pool(
    signed_in: Any, db_session: Any
) -> None:
    client, me, csrf = await signed_in("operator")
    await rang_in_queue(db_session, me.id, "sales")
    task = await add_task(db_session, queue="sales", title="Перезвонить +7 916")
    page = await (await client.get("/tasks?assignee=pool")).text()
    assert "Перезвонить +7 916" in page
    detail = await (await client.get(f"/tasks/{task.id}")).text()
    assert "Take it" in detail
    await client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf})
    assignee = await db_session.scalar(select(Task.assignee_id).where(Task.id == task.id))
    assert assignee == me.id
    again = await client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf})
    assert again.status == 409


async def test_supervisor_reads_tasks_and_figures_but_changes_nothing(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, _sup, csrf = await signed_in("supervisor")
    operator = await make_user("operator", full_name="Оля Операторова")
    task = await add_task(db_session, assignee_id=operator.id, due_at=ago(hours=1))
    assert "Оля Операторова" in await (await client.get("/tasks")).text()
    assert (await client.get(f"/tasks/{task.id}")).status == 200
    assert (await client.get("/tasks/new")).status == 403
    assert (
        await client.post(f"/tasks/{task.id}/complete", data={"csrf_token": csrf})
    ).status == 403
    figures = await client.get("/tasks/supervision")
    text = await figures.text()
    assert (
        figures.status == 200
        and "Оля Операторова" in text
        and 'class="open-overdue overdue"' in text
    )
    assert (await client.get("/tasks/supervision?from=2030-02-01&to=2030-01-01")).status == 400


async def test_operators_and_managers_do_not_see_the_figures(signed_in: Any) -> None:
    client, _me, _csrf = await signed_in("manager")
    assert (await client.get("/tasks/supervision")).status == 403
    assert (await client.get("/api/v1/tasks/supervision")).status == 403


async def test_nav_badge_counts_my_tasks_due_now(signed_in: Any, db_session: Any) -> None:
    client, me, _csrf = await signed_in("operator")
    for _ in range(2):
        await add_task(db_session, assignee_id=me.id, due_at=ago(minutes=5))
    await add_task(db_session, assignee_id=me.id, due_at=ahead(hours=5))
    page = await (await client.get("/clients")).text()
    assert '<span id="due-badge" class="nav-badge"' in page and ">2</span>" in page
