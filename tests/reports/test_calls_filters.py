"""The calls report kept to a campaign, a manager, a channel or a segment, alone or together,
on the fixed day of calls_data.py with its callers as clients, against figures worked out by
hand."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import Forbidden
from callcenter.reports.calls.figures import client_filters, table_for
from callcenter.reports.calls.report import calls_report
from callcenter.reports.filters import parse_filters
from tests.reports.calls_data import DAY, SUPERVISOR, add_clients, add_day
from tests.reports.support import rolled_up

YANDEX, RADIO, RETAIL, WHOLESALE, SPRING = 1, 2, 1, 2, 1


@pytest.fixture
async def world(database_url: str, clean_db: None, make_user: Any) -> Any:
    await make_user("operator", full_name="Anna Petrova", extension="101")
    m1 = await make_user("manager", full_name="Masha One", extension="102")  # own clients only
    m2 = await make_user("manager", full_name="Misha Two", sees_all_clients=True)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker.begin() as session:
        await add_day(session)
        await add_clients(session, {"m1": m1.id, "m2": m2.id})
    await rolled_up(sessionmaker)
    yield sessionmaker, m1, m2
    await engine.dispose()


async def report_for(world: Any, user: Any = SUPERVISOR, **query: Any) -> Any:
    query = {"since": "2026-03-02", "until": "2026-03-02", **query}
    filters = parse_filters({k: str(v) for k, v in query.items()}, timezone="UTC", now=DAY)
    async with world[0]() as session:
        return await calls_report(session, filters=filters, user=user)


def directions(report: Any) -> dict[str, tuple[int, int, int]]:
    return {d["direction"]: (d["calls"], d["answered"], d["missed"]) for d in report.directions}


def agents(report: Any) -> dict[str, tuple[int, int, int]]:
    return {
        a["agent"]: (a["queue_answered"], a["outbound_calls"], a["outbound_answered"])
        for a in report.agents
    }


async def test_manager_keeps_to_calls_with_the_clients_they_own(world: Any):
    report = await report_for(world, manager=world[1].id)  # Alpha: c1; Beta: c2, c6
    assert directions(report) == {"inbound": (2, 1, 1), "outbound": (1, 1, 0)}
    assert report.directions[0]["talk_seconds"] == 100 and report.directions[0]["hold_seconds"] == 5
    (sales,) = report.queues
    assert (sales.offered, sales.answered, sales.abandoned, sales.short_abandons) == (2, 1, 1, 0)
    assert (sales.abandon_rate, sales.service_level, sales.service_level2) == (50.0, 100.0, 50.0)
    assert (sales.answered_in_sl, sales.asa, sales.aht) == (50.0, 10.0, 105.0)
    assert (sales.abandon_wait, sales.max_wait) == (40.0, 40)
    assert report.missed == [
        {
            "queue": "sales",
            "calls": 2,
            "missed": 1,
            "lost_share": 50.0,
            "with_number": 1,
            "called_back": 1,
            "called_back_share": 100.0,
            "within_hour": 1,
            "average_callback_seconds": 1160.0,  # c2 ended 10:10:40, c6 at 10:30
            "not_called_back": 0,
        }
    ]
    assert report.heat[0][10] == 2 and sum(map(sum, report.heat)) == 2
    assert agents(report) == {"101": (1, 1, 1)}
    assert report.time_not_filtered_by == ("manager",)  # agents' time: everyone's, and it says so
    assert [a["agent"] for a in report.agent_time] == ["101", "102"]


async def test_channel_keeps_to_calls_with_clients_from_it(world: Any):
    report = await report_for(world, channel=YANDEX)  # Alpha: c1; Delta: c4
    assert directions(report) == {"inbound": (2, 2, 0)}
    assert [(q.queue, q.offered, q.answered) for q in report.queues] == [
        ("sales", 1, 1),
        ("support", 1, 1),
    ]
    assert (report.total.asa, report.total.aht, report.total.service_level) == (17.5, 82.5, 100.0)
    assert [(m["queue"], m["calls"], m["missed"]) for m in report.missed] == [
        ("sales", 1, 0),
        ("support", 1, 0),
    ]
    assert agents(report) == {"101": (1, 0, 0), "102": (1, 0, 0)}
    assert report.summary["missed"] == 0 and report.summary["called_back_share"] is None


async def test_segment_keeps_to_calls_with_clients_in_it(world: Any):
    report = await report_for(world, segment=RETAIL)  # Alpha: c1; Eps: c5, c7
    assert directions(report) == {"inbound": (2, 1, 1), "outbound": (1, 0, 0)}
    assert [(q.queue, q.offered, q.answered) for q in report.queues] == [("sales", 1, 1)]
    no_queue, sales = report.missed
    assert (sales["queue"], sales["calls"], sales["missed"]) == ("sales", 1, 0)
    missed = no_queue
    assert (missed["queue"], missed["missed"], missed["called_back"]) == ("no queue", 1, 1)
    assert (missed["within_hour"], missed["average_callback_seconds"]) == (0, 7170.0)
    assert (report.heat[0][10], report.heat[0][12]) == (1, 1)
    assert agents(report) == {"101": (1, 1, 0)}


async def test_campaign_keeps_to_the_calls_it_placed(world: Any):
    report = await report_for(world, campaign=SPRING)  # c7: its attempt carries the linkedid
    assert directions(report) == {"outbound": (1, 0, 0)}
    assert report.directions[0]["not_answered"] == 1
    assert report.queues == [] and report.total.offered == 0
    assert report.missed == [] and sum(map(sum, report.heat)) == 0
    assert agents(report) == {"101": (0, 1, 0)}
    assert report.summary["inbound"] == 0 and report.summary["outbound"] == 1


async def test_a_channel_and_a_segment_keep_to_calls_with_clients_in_both(world: Any):
    assert table_for("report_queue_hours", client_filters(_filters(channel=1, segment=1))).name == (
        "report_queue_client_hours"
    )
    alpha = await report_for(world, channel=YANDEX, segment=RETAIL)  # Alpha: c1
    assert directions(alpha) == {"inbound": (1, 1, 0)}
    assert (alpha.directions[0]["talk_seconds"], alpha.directions[0]["hold_seconds"]) == (100, 5)
    (sales,) = alpha.queues
    assert (sales.offered, sales.answered, sales.asa, sales.aht) == (1, 1, 10.0, 105.0)
    assert [m["missed"] for m in alpha.missed] == [0]
    assert alpha.heat[0][10] == 1 and sum(map(sum, alpha.heat)) == 1
    assert agents(alpha) == {"101": (1, 0, 0)}
    assert alpha.time_not_filtered_by == ("channel", "segment")
    eps = await report_for(world, channel=RADIO, segment=RETAIL)  # Eps: c5, and c7 calls back
    assert directions(eps) == {"inbound": (1, 0, 1), "outbound": (1, 0, 0)}
    assert eps.queues == [] and eps.heat[0][12] == 1
    ((missed),) = eps.missed
    assert (missed["queue"], missed["missed"], missed["called_back"]) == ("no queue", 1, 1)
    assert (missed["within_hour"], missed["average_callback_seconds"]) == (0, 7170.0)
    assert agents(eps) == {"101": (0, 1, 0)}
    nobody = await report_for(world, channel=RADIO, segment=WHOLESALE)
    assert directions(nobody) == {} and nobody.queues == [] and agents(nobody) == {}


async def test_a_campaign_a_channel_and_a_segment_together(world: Any):
    spring = await report_for(world, campaign=SPRING, channel=RADIO, segment=RETAIL)  # c7
    assert directions(spring) == {"outbound": (1, 0, 0)}
    assert spring.queues == [] and spring.missed == [] and sum(map(sum, spring.heat)) == 0
    assert agents(spring) == {"101": (0, 1, 0)}
    assert spring.time_not_filtered_by == ("campaign", "channel", "segment")
    assert directions(await report_for(world, campaign=SPRING, channel=YANDEX)) == {}
    owned = await report_for(world, manager=world[1].id, channel=YANDEX, segment=RETAIL)
    assert directions(owned) == {"inbound": (1, 1, 0)}  # Alpha is m1's: c1
    theirs = await report_for(world, user=world[1], campaign=SPRING, segment=RETAIL)
    assert directions(theirs) == {}  # Eps, whom Spring called, is nobody's


async def test_a_manager_and_a_channel_read_the_cube(world: Any):
    both = {"manager": world[1].id, "channel": RADIO}
    assert table_for("report_call_hours", client_filters(_filters(**both))).name == (
        "report_call_client_hours"
    )
    report = await report_for(world, **both)  # Beta: c2, c6
    assert directions(report) == {"inbound": (1, 0, 1), "outbound": (1, 1, 0)}
    (sales,) = report.queues
    assert (sales.offered, sales.abandoned, sales.abandon_wait) == (1, 1, 40.0)
    assert agents(report) == {"101": (0, 1, 1)}
    assert report.time_not_filtered_by == ("manager", "channel")


async def test_queue_and_manager_together(world: Any):
    support = await report_for(world, queue="support", manager=world[2].id)  # Delta: c4
    assert [(q.queue, q.offered, q.asa) for q in support.queues] == [("support", 1, 25.0)]
    assert agents(support) == {"102": (1, 0, 0)}
    sales = await report_for(world, queue="sales", manager=world[2].id)
    assert sales.queues == [] and directions(sales) == {}
    assert sales.time_not_filtered_by == ("queue", "manager")


async def test_a_manager_kept_to_own_clients_sees_own_figures_and_own_time(world: Any):
    _, m1, m2 = world
    own = await report_for(world, user=m1)
    assert own.filters.manager == m1.id
    assert directions(own) == {"inbound": (2, 1, 1), "outbound": (1, 1, 0)}
    assert own.own_time and own.time_not_filtered_by == ()
    assert [(a["agent"], a["logged_in"]) for a in own.agent_time] == [("102", 900.0)]
    assert [p["agent"] for p in own.pauses] == ["102"]
    with pytest.raises(Forbidden):
        await report_for(world, user=m1, manager=m2.id)
    everyone = await report_for(world, user=m2)  # may see every client: every figure
    assert directions(everyone)["inbound"] == (5, 2, 3) and not everyone.own_time


async def test_a_client_given_to_another_manager_moves_their_calls(world: Any):
    sessionmaker, _, m2 = world
    async with sessionmaker.begin() as session:  # saved long before: nothing else to rebuild
        await session.execute(text("UPDATE calls SET updated_at = now() - interval '1 day'"))
    async with sessionmaker.begin() as session:
        await session.execute(
            text("UPDATE clients SET owner_id = :m2, updated_at = now() WHERE name = 'Beta'"),
            {"m2": m2.id},
        )
    rebuilt = await rolled_up(sessionmaker)
    assert rebuilt["call_hours"] == 1  # c2 and c6 both started in the 10:00 hour
    report = await report_for(world, manager=m2.id)  # Delta: c4; now Beta: c2, c6 too
    assert directions(report) == {"inbound": (2, 1, 1), "outbound": (1, 1, 0)}


async def test_page_and_api_say_what_agents_time_is_not_kept_to(
    api_as: Any, signed_in: Any, world: Any
):
    client, _ = await api_as("supervisor")
    query = f"since=2026-03-02&until=2026-03-02&channel={YANDEX}"
    body = await (await client.get(f"/api/v1/reports/calls?{query}")).json()
    assert body["summary"]["inbound"] == 2 and body["summary"]["asa_seconds"] == 17.5
    assert body["agent_time_not_filtered_by"] == ["channel"]
    assert body["filters"]["channel"] == YANDEX
    html = await (await client.get(f"/reports/calls?{query}")).text()
    assert (
        'id="agent-time-unfiltered"' in html and "are not kept to these filters: channel." in html
    )
    assert '<option value="1" selected>Yandex</option>' in html
    both = await client.get(f"/api/v1/reports/calls?{query}&segment={RETAIL}")  # Alpha: c1
    assert (await both.json())["summary"]["inbound"] == 1
    page = await client.get(f"/reports/calls?{query}&segment={RETAIL}")
    assert page.status == 200 and "are not kept to these filters: channel, segment." in (
        await page.text()
    )


def _filters(**query: Any) -> Any:
    query = {"since": "2026-03-02", "until": "2026-03-02", **query}
    return parse_filters({k: str(v) for k, v in query.items()}, timezone="UTC", now=DAY)


async def test_a_deleted_client_and_a_deleted_call_leave_the_figures(world: Any):
    from callcenter.reports.rollups.deletions import note_deletions

    before = await report_for(world, manager=world[1].id)
    assert directions(before) == {"inbound": (2, 1, 1), "outbound": (1, 1, 0)}
    everyone = directions(await report_for(world))["outbound"]
    async with world[0].begin() as session:  # the rows were stored long before this refresh
        for table in ("calls", "clients"):
            await session.execute(text(f"UPDATE {table} SET updated_at = now() - interval '1 day'"))
    async with world[0].begin() as session:
        outbound = "SELECT c.id FROM calls c JOIN clients k ON k.id = c.client_id " \
            "WHERE k.owner_id = :m AND c.direction = 'outbound'"  # fmt: skip
        ids = list(await session.scalars(text(outbound), {"m": world[1].id}))
        await note_deletions(session, calls=ids)
        await session.execute(text("DELETE FROM calls WHERE id = ANY(:ids)"), {"ids": ids})
    await rolled_up(world[0])
    after = await report_for(world, manager=world[1].id)
    assert directions(after) == {"inbound": (2, 1, 1)}  # the deleted outbound call is gone
    assert len(ids) == 1
    calls, answered, missed = everyone
    assert directions(await report_for(world))["outbound"] == (calls - 1, answered - 1, missed)
