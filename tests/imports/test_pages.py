"""Import pages and API through the real app: upload, mapping, preview, run, report, roles."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

import pytest
from aiohttp import FormData
from openpyxl import load_workbook

from tests.imports.support import INN_A, csv_bytes

ROWS = [
    ["Наименование", "Тел.", "ИНН", "Почта", "Комментарий"],
    ["ООО «Вектор»", "+7 495 765-43-21", INN_A, "info@vector.ru", "оптовик"],
    ["Иванов Иван", "8 916 123-45-67", "", "ivan@example.ru", ""],
]


def _upload(
    content: bytes, csrf: str | None = None, name: str = "clients.csv", **fields: str
) -> FormData:
    form = FormData()
    if csrf:
        form.add_field("csrf_token", csrf)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", io.BytesIO(content), filename=name, content_type="text/csv")
    return form


async def _wait_done(client: Any, import_id: int) -> dict[str, Any]:
    for _ in range(600):  # its process starts in about a second, more on a busy machine
        job = await (await client.get(f"/api/v1/imports/{import_id}")).json()
        if job["state"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError("the import did not finish")


async def test_upload_shows_the_guessed_mapping_and_a_preview_then_runs(signed_in: Any) -> None:
    client, _user, csrf = await signed_in("manager")
    bad = ROWS + [["Сидоров", "123", "", "", ""]]
    response = await client.post(
        "/imports/new",
        data=_upload(csv_bytes(bad, encoding="cp1251", delimiter=";"), csrf),
        allow_redirects=False,
    )
    assert response.status == 302
    url = response.headers["Location"]
    page = await (await client.get(url)).text()
    for column, field in (
        ("0", "name"),
        ("1", "phone"),
        ("2", "inn"),
        ("3", "email"),
        ("4", "notes"),
    ):
        assert f'name="column_{column}"' in page
        assert f'<option value="{field}" selected>' in page
    assert "ООО «Вектор»".replace("«", "&laquo;") in page or "ООО «Вектор»" in page
    assert "Not a valid phone number" in page  # the preview marks line 4

    form = {
        "csrf_token": csrf,
        "column_0": "name",
        "column_1": "phone",
        "column_2": "inn",
        "column_3": "email",
        "column_4": "notes",
        "policy_inn": "skip",
        "policy_phone": "skip",
        "policy_email": "skip",
        "action": "start",
    }
    response = await client.post(url, data=form, allow_redirects=False)
    assert response.status == 302
    job = await _wait_done(client, int(url.rsplit("/", 1)[1]))
    assert job["state"] == "failed" and job["bad_rows"] == [
        {"line": 4, "errors": {"Тел.": "Not a valid phone number: check the digits"}}
    ]
    report = await client.get(job["bad_rows_report"])
    assert report.status == 200
    sheet = load_workbook(io.BytesIO(await report.read())).active
    assert [c.value for c in sheet[1]][:3] == ["Line", "Reason", "Наименование"]
    assert [c.value for c in sheet[2]][:4] == [
        4,
        "Тел.: Not a valid phone number: check the digits",
        "Сидоров",
        "123",
    ]

    page = await (await client.get(url)).text()
    assert "Bad rows: nothing was imported" in page and "bad-rows.xlsx" in page


async def test_a_mapping_with_a_field_chosen_twice_keeps_the_choice_and_says_where(
    signed_in: Any,
) -> None:
    client, _user, csrf = await signed_in("admin")
    response = await client.post(
        "/imports/new", data=_upload(csv_bytes(ROWS), csrf), allow_redirects=False
    )
    url = response.headers["Location"]
    form = {"csrf_token": csrf, "column_0": "name", "column_4": "name", "action": "start"}
    response = await client.post(url, data=form)
    assert response.status == 422
    page = await response.text()
    assert "This field is already chosen for another column" in page
    assert page.count('<option value="name" selected>') == 2


async def test_api_import_with_mapping_by_header_and_policy(api_as: Any) -> None:
    client, _user = await api_as("manager")
    form = _upload(
        csv_bytes(ROWS),
        mapping=json.dumps({"Наименование": "name", "Тел.": "phone", "ИНН": "inn"}),
        policy=json.dumps({"phone": "update"}),
    )
    response = await client.post("/api/v1/imports", data=form)
    assert response.status == 202, await response.text()
    body = await response.json()
    assert body["state"] == "queued" and body["policy"]["phone"] == "update"
    assert body["mapping"] == {"Наименование": "name", "Тел.": "phone", "ИНН": "inn"}
    job = await _wait_done(client, body["id"])
    assert (job["state"], job["created"], job["total_rows"], job["progress"]) == ("done", 2, 2, 100)
    listing = await (await client.get("/api/v1/clients", params={"q": "иванов"})).json()
    assert [c["name"] for c in listing["items"]] == ["Иванов Иван"]
    assert listing["items"][0]["emails"] == []  # the e-mail column was not mapped


async def test_api_refuses_a_file_it_cannot_read_with_a_clear_error(api_as: Any) -> None:
    client, _user = await api_as("admin")
    response = await client.post(
        "/api/v1/imports", data=_upload(b"\xd0\xcf\x11\xe0" + b"\0" * 64, name="a.xls")
    )
    assert response.status == 422
    assert "xlsx" in (await response.json())["message"]
    response = await client.post("/api/v1/imports", json={"file": "no"})
    assert response.status == 400


@pytest.mark.parametrize("role", ["operator", "supervisor"])
async def test_operators_and_supervisors_cannot_import(signed_in: Any, role: str) -> None:
    client, _user, csrf = await signed_in(role)
    assert (await client.get("/imports/new")).status == 403
    response = await client.post("/imports/new", data=_upload(csv_bytes(ROWS), csrf))
    assert response.status == 403
    assert "/imports" not in await (await client.get("/clients")).text()


async def test_an_import_is_seen_by_its_author_and_admins_only(
    client: Any, make_user: Any, database_url: str
) -> None:
    from tests.conftest import sign_in
    from tests.imports.support import run_file

    author = await make_user("manager")
    job = await run_file(database_url, author, csv_bytes(ROWS))
    other = await make_user("manager")
    await sign_in(client, other)
    assert (await client.get(f"/imports/{job.id}")).status == 403
    assert (await client.get(f"/api/v1/imports/{job.id}")).status == 403
    assert (await (await client.get("/api/v1/imports")).json())["items"] == []


async def test_upload_over_the_size_limit_is_refused_clearly(
    signed_in: Any, settings: Any, aiohttp_client: Any
) -> None:
    from dataclasses import replace

    from web.app import create_app

    small = await aiohttp_client(create_app(replace(settings, import_max_mb=1)))
    from tests.conftest import sign_in

    client, user, _csrf = await signed_in("manager")
    csrf = await sign_in(small, user)
    big = csv_bytes([["ФИО"]] + [["x" * 100]] * 12_000)
    response = await small.post("/imports/new", data=_upload(big, csrf))
    assert response.status == 422
    assert "larger than the 1 MB an import accepts" in await response.text()


async def test_a_failed_import_can_run_again_with_another_choice(signed_in: Any) -> None:
    client, _user, csrf = await signed_in("manager")
    rows = ROWS + [["Сидоров", "123", "", "", ""]]
    response = await client.post(
        "/imports/new", data=_upload(csv_bytes(rows), csrf), allow_redirects=False
    )
    url = response.headers["Location"]
    start = {"csrf_token": csrf, "column_0": "name", "column_1": "phone", "action": "start"}
    await client.post(url, data=start, allow_redirects=False)
    job = await _wait_done(client, int(url.rsplit("/", 1)[1]))
    assert job["state"] == "failed"
    page = await (await client.get(url)).text()
    assert f"{url}?change=1" in page
    assert 'name="column_0"' in await (await client.get(f"{url}?change=1")).text()
    await client.post(url, data={**start, "skip_bad_rows": "1"}, allow_redirects=False)
    job = await _wait_done(client, int(url.rsplit("/", 1)[1]))
    assert (job["state"], job["created"], job["bad_count"]) == ("done", 2, 1)


async def test_orders_upload_page_shows_headers_with_a_percent_sign_in_the_preview(
    signed_in: Any,
) -> None:
    client, _user, csrf = await signed_in("manager", language="ru")
    rows = [["Номер", "Клиент", "Товар", "Цена", "Скидка, %"], ["1", "Кто-то", "Стол", "10", "x"]]
    response = await client.post(
        "/orders/import", data=_upload(csv_bytes(rows), csrf), allow_redirects=False
    )
    assert response.status == 302
    page = await client.get(response.headers["Location"])
    text = await page.text()
    assert page.status == 200
    assert "Скидка, %: Это не число" in text and "Импорт · Заказы" in text
    new = await (await client.get("/imports/new")).text()
    assert 'name="target" value="orders"' in new
