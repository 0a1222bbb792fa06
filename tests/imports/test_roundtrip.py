"""An exported client list is a valid import file: the headers map back to the fields."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from aiohttp import FormData

from callcenter.clients.models import Channel, Client, ClientEmail, ClientPhone, Tag


@pytest.mark.parametrize(
    ("language", "file_format"), [("ru", "xlsx"), ("en", "csv"), ("ru", "csv")]
)
async def test_export_then_import_updates_the_same_clients(
    api_as: Any, db_session: Any, language: str, file_format: str
) -> None:
    client, admin = await api_as("admin", language=language)
    channel = Channel(name="Выставка")
    db_session.add_all(
        [
            Client(
                kind="company",
                name="ООО «Вектор»",
                inn="7736207543",
                kpp="770401001",
                channel=channel,
                notes="оптовик",
                phones=[
                    ClientPhone(number="1", e164="+74957654321", kind="work", position=0),
                    ClientPhone(number="2", e164="+79161234567", kind="mobile", position=1),
                ],
                emails=[ClientEmail(email="info@vector.ru", position=0)],
                tags=[Tag(name="vip"), Tag(name="опт")],
                owner_id=admin.id,
            ),
            Client(kind="person", name="Щукина Алёна", owner_id=admin.id),
        ]
    )
    await db_session.commit()
    exported = await client.get("/api/v1/clients/export", params={"format": file_format})
    assert exported.status == 200
    form = FormData()
    form.add_field("file", io.BytesIO(await exported.read()), filename=f"export.{file_format}")
    form.add_field("policy", '{"inn": "update", "phone": "update", "email": "update"}')
    response = await client.post("/api/v1/imports", data=form)
    assert response.status == 202, await response.text()
    job = await response.json()
    mapped = set(job["mapping"].values())
    assert {"kind", "name", "phone", "email", "inn", "kpp", "channel", "tags", "notes"} <= mapped
    for _ in range(100):
        job = await (await client.get(f"/api/v1/imports/{job['id']}")).json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    # the person has no phone, INN or e-mail to be recognised by: it comes in once more
    assert (job["state"], job["updated"], job["created"], job["bad_count"]) == ("done", 1, 1, 0)
    db_session.expire_all()
    vector = await db_session.get(Client, 1)
    await db_session.refresh(vector, ["phones", "tags"])
    assert [p.e164 for p in vector.phones] == ["+74957654321", "+79161234567"]
    assert sorted(t.name for t in vector.tags) == ["vip", "опт"]
