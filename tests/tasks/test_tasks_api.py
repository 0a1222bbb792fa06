"""``/api/v1/tasks``: list with filters, get, create, update, complete, claim; live frames."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from callcenter.settings import Settings
from callcenter.tasks.models import Task
from tests.calls.test_screenpop import frame_of, until_listening
from tests.conftest import sign_in
from tests.tasks.support import add_client, add_task, ago, ahead, rang_in_queue
from web.app import create_app


async def test_create_get_patch_and_complete_a_task(api_as: Any, db_session: Any) -> None:
    client, me = await api_as("manager")
    buyer = await add_client(db_session, "ИП Козлов", owner_id=me.id)
    response = await client.post(
        "/api/v1/tasks",
        json={"kind": "shipment", "title": "Отгрузить", "due_at": "2031-05-01T12:00:00+03:00",
              "client_id": buyer.id},
    )  # fmt: skip
    assert response.status == 201, await response.text()
    task = await response.json()
    assert task["assignee"]["id"] == me.id and task["client"]["name"] == "ИП Козлов"
    assert task["due_at"] == "2031-05-01T09:00:00+00:00" and task["status"] == "open"
    assert response.headers["Location"] == f"/api/v1/tasks/{task['id']}"
    patched = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "Отгрузить 5 коробок"}
    )
    body = await patched.json()
    assert body["title"] == "Отгрузить 5 коробок" and body["kind"] == "shipment"
    done = await client.post(f"/api/v1/tasks/{task['id']}/complete", json={"note": "Отгружено"})
    body = await done.json()
    assert body["status"] == "done" and body["done_at"] and "Отгружено" in body["notes"]
    again = await client.post(f"/api/v1/tasks/{task['id']}/cancel")
    assert again.status == 409


async def test_invalid_tasks_answer_422_with_fields(api_as: Any) -> None:
    client, _me = await api_as("operator")
    response = await client.post(
        "/api/v1/tasks", json={"kind": "call", "title": "", "assignee": None}
    )
    body = await response.json()
    assert response.status == 422 and body["error"] == "task_invalid"
    assert set(body["fields"]) == {"title", "due_at", "assignee_id"}
    bad_time = await client.post("/api/v1/tasks", json={"title": "x", "due_at": "tomorrow"})
    assert bad_time.status == 400 and "due_at" in (await bad_time.json())["fields"]
    not_json = await client.post("/api/v1/tasks", data="[1]")
    assert not_json.status == 400


async def test_list_filters_and_pages(api_as: Any, db_session: Any, make_user: Any) -> None:
    client, me = await api_as("operator")
    other = await make_user("operator")
    await add_task(db_session, assignee_id=me.id, title="a", due_at=ago(hours=1))
    await add_task(db_session, assignee_id=me.id, title="b", kind="email", due_at=ahead(hours=1))
    await add_task(db_session, assignee_id=other.id, title="hidden")
    body = await (await client.get("/api/v1/tasks")).json()
    assert [t["title"] for t in body["items"]] == ["b", "a"] and body["total"] == 2
    overdue = await (await client.get("/api/v1/tasks?overdue=1")).json()
    assert [(t["title"], t["overdue"]) for t in overdue["items"]] == [("a", True)]
    emails = await (await client.get("/api/v1/tasks?kind=email&status=open")).json()
    assert [t["title"] for t in emails["items"]] == ["b"]
    paged = await (await client.get("/api/v1/tasks?status=open&per_page=1&page=2")).json()
    assert [t["title"] for t in paged["items"]] == ["b"] and paged["total"] == 2


async def test_roles_on_the_api(api_as: Any, db_session: Any, make_user: Any) -> None:
    client, _sup = await api_as("supervisor")
    operator = await make_user("operator")
    task = await add_task(db_session, assignee_id=operator.id, due_at=ago(hours=1))
    assert (await client.get(f"/api/v1/tasks/{task.id}")).status == 200
    assert (await client.post("/api/v1/tasks", json={"title": "x"})).status == 403
    assert (await client.patch(f"/api/v1/tasks/{task.id}", json={"title": "x"})).status == 403
    figures = await (await client.get("/api/v1/tasks/supervision")).json()
    [row] = figures["items"]
    assert row["user"]["id"] == operator.id and row["open_overdue"] == 1


async def test_someone_elses_task_is_forbidden(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    client, _me = await api_as("operator")
    other = await make_user("operator")
    task = await add_task(db_session, assignee_id=other.id)
    assert (await client.get(f"/api/v1/tasks/{task.id}")).status == 403
    assert (await client.get("/api/v1/tasks/999999")).status == 404


async def test_claim_through_the_api(api_as: Any, db_session: Any) -> None:
    client, me = await api_as("operator")
    await rang_in_queue(db_session, me.id, "support")
    task = await add_task(db_session, queue="support")
    body = await (await client.post(f"/api/v1/tasks/{task.id}/claim")).json()
    assert body["assignee"]["id"] == me.id and body["queue"] == "support"  # where it came from


async def test_the_reminder_reaches_every_page_of_its_assignee_only(
    aiohttp_client: Any, settings: Settings, make_user: Any, db_session: Any
) -> None:
    app = create_app(replace(settings, reminder_check_seconds=0.1))
    me_client = await aiohttp_client(app)
    me = await make_user("operator", extension="101", language="en")
    other = await make_user("operator", extension="102")
    await sign_in(me_client, me)
    workspace = await me_client.ws_connect("/ws/live")
    clients_page = await me_client.ws_connect("/ws/live?pops=0")
    for ws in (workspace, clients_page):
        await frame_of(ws, "hello")
    await until_listening(app)
    buyer = await add_client(db_session, "Мария <b>Кузнецова</b>")
    await add_task(db_session, assignee_id=other.id, title="не мне")
    task = await add_task(db_session, assignee_id=me.id, title="Call back", client_id=buyer.id)
    for ws in (workspace, clients_page):
        frame = await frame_of(ws, "task_due")
        assert frame["task_id"] == task.id and frame["due_count"] == 1
        assert f'href="/tasks/{task.id}"' in frame["html"] and "Reminder" in frame["html"]
        assert "Мария &lt;b&gt;Кузнецова&lt;/b&gt;" in frame["html"]  # escaped
    await workspace.close()
    await clients_page.close()


async def test_a_burst_of_missed_calls_is_one_pool_toast_on_the_operator_s_page(
    aiohttp_client: Any, settings: Settings, make_user: Any, db_session: Any
) -> None:
    from tests.tasks.support import rang_in_queue

    app = create_app(replace(settings, reminder_check_seconds=0.1))
    me_client = await aiohttp_client(app)
    me = await make_user("operator", extension="101", language="en")
    await rang_in_queue(db_session, me.id, "sales")
    await sign_in(me_client, me)
    workspace = await me_client.ws_connect("/ws/live")
    await frame_of(workspace, "hello")
    await until_listening(app)
    from tests.tasks.support import ago

    due = ago(minutes=1)  # six missed calls at once, in one transaction
    db_session.add_all(
        Task(kind="call", title=f"Missed <call> {n}", queue="sales", due_at=due) for n in range(6)
    )
    await db_session.commit()
    frame = await frame_of(workspace, "task_due")
    assert frame["task_id"] == "queue:sales"
    assert "6 tasks of the queue" in frame["html"] and "pool are due" in frame["html"]
    assert "Missed &lt;call&gt; 0" in frame["html"] and "and 3 more" in frame["html"]
    assert 'href="/tasks?assignee=pool&amp;status=open"' in frame["html"]
    try:
        extra = await workspace.receive_json(timeout=0.5)
    except TimeoutError:
        extra = None
    assert extra is None or extra["type"] != "task_due"  # one toast, not six
    await workspace.close()
