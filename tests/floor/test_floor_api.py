"""The floor's JSON API: who may see and do what, and clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.floor.models import AgentRow, QueueRow, StintRow


async def seed(db_session: Any) -> None:
    now = datetime.now(UTC)
    db_session.add(
        QueueRow(
            pbx="default",
            name="sales",
            title="Sales",
            service_level_seconds=20,
            wrapup_seconds=0,
            on_pbx=True,
            allowed_user_ids=[],
        )
    )
    db_session.add(
        AgentRow(
            pbx="default",
            interface="PJSIP/101",
            extension="101",
            name="Anna",
            status="paused",
            reason="Lunch",
            since=now - timedelta(seconds=90),
            queues=["sales"],
            paused_queues=["sales"],
        )
    )
    for n, (outcome, wait, talk) in enumerate(
        [
            ("completed", 5, 60),
            ("completed", 30, 120),
            ("abandoned", 12, None),
            ("waiting", None, None),
        ]
    ):
        db_session.add(
            StintRow(
                pbx="default",
                key=f"k{n}",
                queue="sales",
                linkedid=f"l{n}",
                uniqueid=f"u{n}",
                caller="+79161234567",
                entered_at=now - timedelta(minutes=5),
                outcome=outcome,
                connected_at=now - timedelta(minutes=4) if outcome == "completed" else None,
                ended_at=now - timedelta(minutes=3) if outcome != "waiting" else None,
                wait_seconds=wait,
                talk_seconds=talk,
            )
        )
    await db_session.commit()


async def test_queue_figures_follow_the_published_formulas(api_as: Any, db_session: Any) -> None:
    await seed(db_session)
    client, _ = await api_as("supervisor")
    response = await client.get("/api/v1/queues")
    assert response.status == 200
    [q] = (await response.json())["queues"]
    assert (q["waiting"], q["answered_today"], q["abandoned_today"]) == (1, 2, 1)
    assert q["longest_wait_seconds"] >= 299
    assert q["service_level_today"] == 50.0  # 1 of 2 completed within 20 s
    assert q["service_level2_today"] == 66.7  # (1 + 1 abandoned within 20 s) / (2 + 1)
    assert q["asa_seconds"] == 17.5  # (5 + 30) / 2
    assert q["aht_seconds"] == 90.0  # (60 + 120 + 0 wrap-up) / 2
    [caller] = q["callers"]
    assert (caller["caller"], caller["display"]) == ("+79161234567", "8 (916) 123-45-67")


async def test_agents_give_state_reason_and_seconds_in_state(api_as: Any, db_session: Any) -> None:
    await seed(db_session)
    client, _ = await api_as("supervisor")
    [agent] = (await (await client.get("/api/v1/agents")).json())["agents"]
    assert (agent["state"], agent["reason"], agent["extension"]) == ("paused", "Lunch", "101")
    assert 89 <= agent["seconds_in_state"] <= 95
    assert (agent["name"], agent["pbx_name"], agent["login"]) == ("Anna", "Anna", None)


async def test_an_agent_with_a_user_is_named_as_the_crm_knows_them(
    api_as: Any, db_session: Any, make_user: Any
) -> None:
    await seed(db_session)
    anna = await make_user("operator", extension="101", full_name="Анна Смирнова")
    client, _ = await api_as("supervisor")
    [agent] = (await (await client.get("/api/v1/agents")).json())["agents"]
    named = (agent["name"], agent["pbx_name"], agent["login"])
    assert named == ("Анна Смирнова", "Anna", anna.login)
    page = await (await client.get("/wallboard")).text()
    assert "Анна Смирнова" in page and "8 (916) 123-45-67" in page


async def test_operators_do_not_see_the_floor_or_act_for_others(
    api_as: Any, make_user: Any
) -> None:
    other = await make_user("operator", extension="102")
    client, _ = await api_as("operator", extension="101")
    assert (await client.get("/api/v1/queues")).status == 403
    assert (await client.get("/api/v1/agents")).status == 403
    response = await client.post(f"/api/v1/agents/{other.login}/pause", json={"reason": "Lunch"})
    assert response.status in (403, 503)


async def test_click_to_call_without_a_pbx_is_refused_clearly(api_as: Any) -> None:
    client, _ = await api_as("operator", extension="101")
    response = await client.post("/api/v1/calls", json={"to": "+79161234567"})
    assert response.status == 503
    body = await response.json()
    assert body["error"] == "pbx_unavailable" and body["message"]
    response = await client.post("/api/v1/calls", json={})
    assert response.status == 400


async def test_wallboard_page_is_for_supervisors(signed_in: Any, db_session: Any) -> None:
    await seed(db_session)
    client, _, _ = await signed_in("supervisor")
    page = await (await client.get("/wallboard")).text()
    assert "Sales" in page and "ServicelevelPerf2" in page
    client, _, _ = await signed_in("operator")
    assert (await client.get("/wallboard")).status == 403


async def test_every_visit_is_in_one_bucket_on_the_api_and_the_wallboard(
    api_as: Any, signed_in: Any, db_session: Any
) -> None:
    await seed(db_session)
    now = datetime.now(UTC)
    kinds = [
        ("lost-talking", "lost", True),
        ("lost-waiting", "lost", False),
        ("key", "exited", False),
        ("talking", "connected", True),
    ]
    for key, outcome, connected in kinds:
        db_session.add(StintRow(pbx="default", key=key, queue="sales", linkedid=key, uniqueid=key,
                                entered_at=now - timedelta(minutes=2), outcome=outcome,
                                connected_at=now - timedelta(minutes=1) if connected else None,
                                ended_at=None if outcome == "connected" else now,
                                wait_seconds=10, talk_seconds=None))  # fmt: skip
    await db_session.commit()
    client, _ = await api_as("supervisor")
    [q] = (await (await client.get("/api/v1/queues")).json())["queues"]
    buckets = ("answered_today", "abandoned_today", "waiting", "exited_today", "lost_today")
    assert [q[name] for name in buckets] == [4, 1, 1, 1, 1]  # lost after the answer: answered
    assert q["offered_today"] == sum(q[name] for name in buckets) == 8
    assert (q["completed_today"], q["talking"], q["aht_seconds"]) == (2, 1, 90.0)
    page = await (await client.get("/wallboard")).text()
    assert 'data-field="offered_today">8<' in page and 'data-field="lost_today">1<' in page
    assert "Exited otherwise" in page and "exactly one of" in page
