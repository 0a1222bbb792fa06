"""The mailings API: create (with the audience and who is left out), schedule, pause, resume,
cancel, figures, recipients; template errors name their line; roles are checked."""

from __future__ import annotations

from typing import Any

from tests.mailings.support import HTML, TEXT, add_client

BODY = {
    "name": "Весна", "kind": "advertising", "subject": "Для {{ client.name }}",
    "body_text": TEXT, "body_html": HTML, "window_from": "00:00", "window_to": "23:59",
    "rate_per_minute": 600,
}  # fmt: skip


async def test_a_mailing_through_the_api(api_as: Any, db_session: Any) -> None:
    client, _ = await api_as("manager", sees_all_clients=True)
    await add_client(db_session, "Анна", "anna@example.ru", consent=True)
    await add_client(db_session, "Вера", "vera@example.ru")
    made = await client.post("/api/v1/mailings", json=BODY)
    assert made.status == 201, await made.text()
    body = await made.json()
    assert body["state"] == "draft"
    assert body["audience"] == {"total": 2, "reached": 1, "left_out": {"no_consent": 1}}
    url = f"/api/v1/mailings/{body['id']}"
    scheduled = await (await client.post(f"{url}/schedule")).json()
    assert scheduled["state"] == "scheduled" and scheduled["figures"]["queued"] == 1
    assert (await (await client.post(f"{url}/schedule")).json())["state"] == "scheduled"
    assert (await (await client.post(f"{url}/pause")).json())["state"] == "paused"
    assert (await (await client.post(f"{url}/resume")).json())["state"] == "scheduled"
    recipients = await (await client.get(f"{url}/recipients?state=skipped")).json()
    assert [(r["address"], r["reason"]) for r in recipients["items"]] == [
        ("vera@example.ru", "no_consent")
    ]
    cancelled = await (await client.post(f"{url}/cancel")).json()
    assert cancelled["state"] == "cancelled" and cancelled["figures"]["queued"] == 0
    refused = await client.post(f"{url}/resume")
    assert refused.status == 409
    figures = await (await client.get(f"{url}/figures")).json()
    assert figures["skipped"] == 2 and figures["sent"] == 0
    listed = await (await client.get("/api/v1/mailings")).json()
    assert [m["id"] for m in listed["items"]] == [body["id"]]


async def test_a_template_error_names_its_line(api_as: Any) -> None:
    client, _ = await api_as("admin")
    answer = await client.post(
        "/api/v1/mailings", json={**BODY, "body_html": "<p>\n{% for x in %}</p>"}
    )
    assert answer.status == 422
    assert (await answer.json())["fields"]["body_html"].startswith("Line 2: ")


async def test_roles_on_the_api(api_as: Any, make_user: Any) -> None:
    client, _ = await api_as("supervisor")
    assert (await client.get("/api/v1/mailings")).status == 200
    assert (await client.post("/api/v1/mailings", json=BODY)).status == 403
    client, _ = await api_as("operator")
    assert (await client.get("/api/v1/mailings")).status == 403
    assert (await client.get("/api/v1/mailings/1/recipients")).status == 403
