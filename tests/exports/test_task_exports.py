"""Exports of the task list: the list's filters (the page's and the API's), its visibility."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.conftest import sign_in
from tests.tasks.support import add_client, add_task, ago, ahead


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def test_a_manager_exports_the_tasks_they_see_with_the_lists_filters(
    client: Any, make_user: Any, db_session: Any
) -> None:
    manager, operator = await make_user("manager"), await make_user("operator")
    anna = await add_client(db_session, owner_id=manager.id)
    await add_task(db_session, title="Позвонить", assignee_id=operator.id, client_id=anna.id)
    await add_task(db_session, title="Письмо", kind="email", assignee_id=manager.id)
    await add_task(db_session, title="Завтра", assignee_id=manager.id, due_at=ahead(days=1))
    await add_task(db_session, title="Чужая", assignee_id=operator.id)
    await sign_in(client, manager)
    everything = await client.get("/api/v1/tasks/export", params={"format": "csv"})
    rows = _csv(await everything.read())
    assert rows[0][:6] == ["Task no.", "Due", "Kind", "Task", "Status", "Overdue"]
    assert sorted(r[3] for r in rows[1:]) == ["Завтра", "Письмо", "Позвонить"]
    calls = await client.get(
        "/api/v1/tasks/export", params={"format": "csv", "kind": "call", "overdue": "1"}
    )
    (only,) = _csv(await calls.read())[1:]
    assert (only[2], only[3], only[5], only[6]) == ("call", "Позвонить", "overdue", anna.name)
    page = await (await client.get("/tasks?kind=call")).text()  # "mine" unless asked
    assert "/api/v1/tasks/export?kind=call&amp;assignee=me&amp;status=open&amp;format=csv" in page
    mine = await client.get("/api/v1/tasks/export?kind=call&assignee=me&status=open&format=csv")
    assert [row[3] for row in _csv(await mine.read())[1:]] == ["Завтра"]


async def test_a_supervisor_exports_every_task_as_xlsx_by_the_pages_days(
    signed_in: Any, make_user: Any, db_session: Any
) -> None:
    operator = await make_user("operator", full_name="Иванова Ольга")
    await add_task(db_session, title="Вчера", assignee_id=operator.id, due_at=ago(days=1))
    await add_task(db_session, title="Через неделю", queue="sales", due_at=ahead(days=7))
    client, _user, _csrf = await signed_in("supervisor", language="ru", timezone="Asia/Tokyo")
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()  # the days are the user's
    response = await client.get(
        "/api/v1/tasks/export",
        params={
            "format": "xlsx",
            "from": str(today),
            "to": str(today.replace(year=today.year + 1)),
        },
    )
    sheet = load_workbook(io.BytesIO(await response.read()), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["№ задачи", "Срок", "Тип", "Задача", "Статус"]
    (task,) = rows[1:]
    assert (task[3], task[4], task[9]) == ("Через неделю", "открытый", "sales")
    assert isinstance(task[1], datetime)
    everyone = await client.get("/api/v1/tasks/export", params={"format": "csv"})
    assert len(_csv(await everyone.read())) == 3


async def test_operators_may_not_export_tasks(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("operator")
    response = await client.get("/api/v1/tasks/export", params={"format": "csv"})
    assert response.status == 403
