"""The marketing admin page: form keys shown once, maps, spend typed and imported."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
from aiohttp import FormData
from sqlalchemy import select

from callcenter.marketing.models import ChannelSpend, LeadFormKey, TrackedNumber
from tests.marketing.support import channel, in_db


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _upload(client: Any, csrf: str, content: bytes, name: str) -> Any:
    form = FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", content, filename=name)
    return await client.post("/admin/marketing/spend/import", data=form)


async def _spend(database_url: str) -> list[tuple[int, str, Decimal]]:
    async def read(session: Any) -> list[tuple[int, str, Decimal]]:
        rows = await session.execute(
            select(ChannelSpend.channel_id, ChannelSpend.month, ChannelSpend.amount).order_by(
                ChannelSpend.month, ChannelSpend.channel_id
            )
        )
        return [(c, m.isoformat(), a) for c, m, a in rows]

    return await in_db(database_url, read)


async def test_a_form_key_is_shown_once_and_stored_hashed(
    signed_in: Any, database_url: str
) -> None:
    client, _user, csrf = await signed_in("admin")
    form = {"csrf_token": csrf, "name": "Shop", "queue": "sales", "due_minutes": "20",
            "allowed_origin": "https://Shop.Example/"}  # fmt: skip
    page = await (await client.post("/admin/marketing/keys", data=form)).text()
    key = page.split("<code>")[1].split("</code>")[0]
    assert key.startswith("lf_")
    row = await in_db(database_url, lambda s: s.scalar(select(LeadFormKey)))
    assert key not in (row.key_hash, row.name) and row.allowed_origin == "https://shop.example"
    assert key not in await (await client.get("/admin/marketing")).text()
    bad = {**form, "due_minutes": "-1", "allowed_origin": "javascript:alert(1)", "name": ""}
    refused = await client.post("/admin/marketing/keys", data=bad)
    assert refused.status == 422


async def test_a_tracked_number_is_stored_as_the_tracker_stores_a_dialed_number(
    signed_in: Any, database_url: str
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    client, _user, csrf = await signed_in("admin")
    for typed in ("8 (495) 123-45-67", "+7 495 1234567"):
        form = {"csrf_token": csrf, "number": typed, "channel_id": str(ads)}
        response = await client.post("/admin/marketing/number", data=form, allow_redirects=False)
        assert response.status == 302
    numbers = await in_db(database_url, lambda s: s.scalars(select(TrackedNumber.number)))
    assert list(numbers) == ["+74951234567"]
    for number, channel_id in (("nonsense", str(ads)), ("+74951234568", "999")):
        form = {"csrf_token": csrf, "number": number, "channel_id": channel_id}
        assert (await client.post("/admin/marketing/number", data=form)).status == 422


async def test_spend_typed_for_a_month_is_stored_and_retyped_replaced(
    signed_in: Any, database_url: str
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    client, _user, csrf = await signed_in("admin")
    for amount in ("1 000,50", "2000"):
        form = {"csrf_token": csrf, "channel_id": str(ads), "month": "2026-03", "amount": amount}
        response = await client.post("/admin/marketing/spend", data=form, allow_redirects=False)
        assert response.status == 302
    assert await _spend(database_url) == [(ads, "2026-03-01", Decimal("2000.00"))]
    for month, amount in (("2026-13", "1"), ("1999-01", "1"), ("2026-03", "-5"),
                          ("2026-03", "1e99"), ("2026-03", "NaN"), ("x", "")):  # fmt: skip
        form = {"csrf_token": csrf, "channel_id": str(ads), "month": month, "amount": amount}
        assert (await client.post("/admin/marketing/spend", data=form)).status == 422


async def test_an_import_with_bad_rows_names_every_one_and_writes_nothing(
    signed_in: Any, database_url: str
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    client, _user, csrf = await signed_in("admin")
    rows = [
        ["Channel", "Month", "Amount"],
        ["Billboard", "2026-01", 1000],
        ["Nowhere", "2026-01", 10],
        ["Billboard", "2026-14", 10],
        ["Billboard", "2026-02", "-3"],
    ]
    response = await _upload(client, csrf, _xlsx(rows), "spend.xlsx")
    page = await response.text()
    assert response.status == 422
    for line in ("<td>3</td>", "<td>4</td>", "<td>5</td>"):
        assert line in page
    assert "<td>2</td>" not in page
    assert await _spend(database_url) == []
    good = _xlsx([["канал", "месяц", "сумма"], ["billboard", "01.2026", "1 500,00"],
                  ["Billboard", "2026-02-01", 700]])  # fmt: skip
    assert (await _upload(client, csrf, good, "spend.xlsx")).status == 200
    assert await _spend(database_url) == [
        (ads, "2026-01-01", Decimal("1500.00")),
        (ads, "2026-02-01", Decimal("700.00")),
    ]
    for content, name in (
        (b"just text", "x.csv"),
        (b"PK\x03\x04garbage", "x.xlsx"),
        (b"", "e.csv"),
    ):
        assert (await _upload(client, csrf, content, name)).status == 422
