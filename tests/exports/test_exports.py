"""Exports of the client and call lists: the list's filters, visibility and roles; real files."""

from __future__ import annotations

import csv
import gc
import io
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from callcenter.clients.models import Client, ClientEmail, ClientPhone, Tag
from callcenter.exports.csvfile import CsvWriter
from callcenter.exports.xlsx import XlsxWriter


async def _clients(db_session: Any, owner_id: int | None = None) -> None:
    vip = Tag(name="vip")
    db_session.add_all(
        [
            Client(
                kind="person",
                name="Щукина Алёна",
                owner_id=owner_id,
                notes='=HYPERLINK("http://evil")',
                phones=[
                    ClientPhone(number="8 916", e164="+79161234567", kind="mobile", position=0)
                ],
                emails=[ClientEmail(email="alena@example.ru", position=0)],
                tags=[vip],
            ),
            Client(kind="company", name="ООО «Вектор»", inn="7736207543", owner_id=owner_id),
        ]
    )
    await db_session.commit()


def _sheet(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_clients_xlsx_has_translated_headers_and_keeps_the_filters(
    signed_in: Any, db_session: Any
) -> None:
    client, _user, _csrf = await signed_in("manager", sees_all_clients=True, language="ru")
    await _clients(db_session)
    response = await client.get(
        "/api/v1/clients/export", params={"format": "xlsx", "kind": "person"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _sheet(await response.read())
    header = rows[0]
    assert header[:6] == ["№ клиента", "Тип", "Имя", "Компания", "Телефон", "E-mail"]
    assert len(rows) == 2
    person = dict(zip(header, rows[1], strict=True))
    assert person["Имя"] == "Щукина Алёна" and person["Тип"] == "физлицо"
    assert person["Телефон"] == "+79161234567" and person["Теги"] == "vip"
    assert isinstance(person["Создан"], datetime)


async def test_clients_csv_is_utf8_with_bom_semicolons_for_russian_and_no_formulas(
    signed_in: Any, db_session: Any
) -> None:
    client, _user, _csrf = await signed_in("admin", language="ru")
    await _clients(db_session)
    response = await client.get("/api/v1/clients/export", params={"format": "csv", "sort": "-name"})
    data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [r[2] for r in rows[1:]] == ["Щукина Алёна", "ООО «Вектор»"]
    assert rows[1][rows[0].index("Примечания")] == '\'=HYPERLINK("http://evil")'
    assert rows[1][rows[0].index("Телефон")] == "+79161234567"  # a number stays as it is
    asked = await client.get("/api/v1/clients/export", params={"format": "csv", "delimiter": "tab"})
    assert (await asked.read()).decode("utf-8-sig").startswith('"№ клиента"\t"Тип"\t')


async def test_a_manager_exports_only_own_clients(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    other = await make_user("manager")
    await _clients(db_session, owner_id=other.id)
    client, user, _csrf = await signed_in("manager")
    db_session.add(Client(kind="person", name="Мой клиент", owner_id=user.id))
    await db_session.commit()
    response = await client.get("/api/v1/clients/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["Мой клиент"]


@pytest.mark.parametrize("path", ["/api/v1/clients/export", "/api/v1/calls/export"])
async def test_operators_cannot_export(signed_in: Any, path: str) -> None:
    client, _user, _csrf = await signed_in("operator")
    response = await client.get(path, params={"format": "xlsx"})
    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"


async def test_unknown_format_is_a_clear_error(signed_in: Any) -> None:
    client, _user, _csrf = await signed_in("supervisor")
    response = await client.get("/api/v1/clients/export", params={"format": "pdf"})
    assert response.status == 400 and "xlsx or csv" in (await response.json())["message"]


async def test_calls_export_follows_the_calls_filters(signed_in: Any, db_session: Any) -> None:
    from callcenter.calls.models import CallRow

    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    db_session.add_all(
        [
            CallRow(
                linkedid="1.1",
                direction="inbound",
                caller="+79161234567",
                callee="100",
                started_at=start,
                outcome="answered",
                talk_seconds=61.4,
                agents=["101"],
            ),
            CallRow(
                linkedid="1.2",
                direction="outbound",
                caller="101",
                callee="+74951112233",
                started_at=start,
                outcome="busy",
            ),
        ]
    )
    await db_session.commit()
    client, _user, _csrf = await signed_in("supervisor", language="en", timezone="Europe/Moscow")
    response = await client.get(
        "/api/v1/calls/export", params={"format": "xlsx", "direction": "inbound"}
    )
    rows = _sheet(await response.read())
    assert rows[0][:3] == ["Started", "Direction", "Caller"]
    (call,) = rows[1:]
    assert call[:3] == [datetime(2026, 3, 2, 12, 0), "inbound", "+79161234567"]
    assert call[6:8] == ["101", "answered"] and call[11] == 61


def test_xlsx_writer_output_opens_in_openpyxl_with_every_kind_of_value() -> None:
    writer = XlsxWriter(["a", "b", "c", "d"], [10, 10, 10, 10], sheet="Лист: 1/2", timezone="UTC")
    data = writer.start()
    data += writer.rows([("<&>\x01 текст", 5, 2.5, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))])
    data += writer.rows([(None, True, "", "x")])
    data += writer.finish()
    rows = _sheet(data)
    assert rows[0] == ["a", "b", "c", "d"]
    assert rows[1] == ["<&> текст", 5, 2.5, datetime(2026, 1, 2, 3, 4, 5)]
    assert rows[2][1:] == [True, None, "x"]


def test_an_xlsx_stream_left_unfinished_is_collected_quietly(monkeypatch: Any) -> None:
    """A download the client left midway drops its writer with the sheet still open: that
    must not raise when collected (it did, in whatever ran next: the suite's stray error)."""
    raised: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", raised.append)
    for _ in range(20):  # in a reference cycle (a traceback's): finalized in no set order
        writer = XlsxWriter(["a"], [10], sheet="s", timezone="UTC")
        writer.start()
        writer.rows([("x",)])
        cycle: list[Any] = [writer]
        cycle.append(cycle)
        del writer, cycle
        gc.collect()
    assert raised == []


def test_csv_writer_uses_the_delimiter_and_local_time() -> None:
    writer = CsvWriter(["when", "n"], delimiter=";", timezone="Europe/Moscow")
    data = writer.start() + writer.rows([(datetime(2026, 1, 1, 21, 0, tzinfo=UTC), -5)])
    assert data.decode("utf-8-sig") == '"when";"n"\r\n"2026-01-02 00:00:00";"-5"\r\n'


def test_csv_writer_gives_russian_excel_decimal_commas_in_fractions_too() -> None:
    writer = CsvWriter(["share", "money"], delimiter=";", timezone="UTC", decimal_comma=True)
    data = writer.start() + writer.rows([(33.3, Decimal("10.50")), (None, Decimal("1"))])
    assert data.decode("utf-8-sig") == '"share";"money"\r\n"33,3";"10,50"\r\n"";"1"\r\n'
    english = CsvWriter(["share"], delimiter=",", timezone="UTC")
    written = (english.start() + english.rows([(33.3,)])).decode("utf-8-sig")
    assert written == '"share"\r\n"33.3"\r\n'
