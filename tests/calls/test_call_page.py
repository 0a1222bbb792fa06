"""One call's page (``/calls/{linkedid}``): recorded Asterisk transfers (06a blind, 06b
attended, 06d parked and picked up) fed through the tracker and stored as the listener
stores them, then read in words, in order, in English and Russian; the same visibility as
the calls list and the API (404 for a call one may not see); garbage ids are a 404."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ami.call_writer import CallWriter
from ami.tracker import CallTracker
from callcenter.calls.models import CallRow
from callcenter.calls.records import CallEvent, Outcome
from callcenter.calls.service import save_call
from callcenter.calls.wrapup import save_wrapup
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.tasks.models import Task
from callcenter.users.service import get_user
from tests.ami.ami_support import timed_events
from tests.calls.test_calls_store import finish, inbound_answered
from tests.calls.test_listener import sessionmaker  # noqa: F401
from tests.calls.test_parked_pickup import replayed
from tests.campaigns.support import add_client
from tests.conftest import sign_in

BLIND, ATTENDED, PARKED = "1795715193.70", "1796616460.24", "1796616479.32"
ANNA, BORIS = "Анна Иванова (101)", "Борис Петров (102)"
WORDS = re.compile(r'<span class="timeline-words">(.*?)</span>', re.S)

# what each page must say, in this order (other moments may come between)
EXPECTED = {
    ("06a_blind_transfer", "en"): [
        "Entered queue support at position 1",
        f"Rang at {ANNA}",
        f"Answered by {ANNA}",
        "Left queue support",
        f"Blind transfer by {ANNA} to {BORIS}",
        f"{ANNA} left the call",
        f"Rang at {BORIS}",
        f"Answered by {BORIS}",
        f"{BORIS} left the call",
        "Hung up: answered; normal hangup (16)",
    ],
    ("06a_blind_transfer", "ru"): [
        "В очереди support, позиция 1",
        f"Вызов оператора {ANNA}",
        f"Ответ: {ANNA}",
        "Выход из очереди support",
        f"Слепой перевод: {ANNA} → {BORIS}",
        f"Выход из разговора: {ANNA}",
        f"Вызов оператора {BORIS}",
        f"Ответ: {BORIS}",
        "Звонок завершён: отвечен; обычное завершение (16)",
    ],
    ("06b_attended_transfer", "en"): [
        f"Answered by {ANNA}",
        f"{ANNA} put the caller on hold",
        f"Rang at {BORIS}",
        f"Answered by {BORIS}",
        f"Attended transfer by {ANNA} to {BORIS}",
        f"{BORIS} left the call",
        "Hung up: answered; normal hangup (16)",
    ],
    ("06b_attended_transfer", "ru"): [
        f"На удержании у {ANNA}",
        f"Ответ: {BORIS}",
        f"Перевод с консультацией: {ANNA} → {BORIS}",
        "Звонок завершён: отвечен; обычное завершение (16)",
    ],
    ("06d_park", "en"): [
        f"Answered by {ANNA}",
        f"Parked at 701 by {ANNA}",
        f"{ANNA} left the call",
        f"Picked up from parking 701 by {BORIS}",
        f"Answered by {BORIS}",
        "Hung up: answered; normal hangup (16)",
    ],
    ("06d_park", "ru"): [
        f"Парковка на 701: {ANNA}",
        f"Снят с парковки 701: {BORIS}",
        f"Ответ: {BORIS}",
    ],
}
LINKEDIDS = {"06a_blind_transfer": BLIND, "06b_attended_transfer": ATTENDED, "06d_park": PARKED}
CALLERS = {BLIND: "+79165550101", ATTENDED: "+79161234567", PARKED: "+79161234567"}


async def store(maker: Any, scenario: str) -> None:
    """The scenario as the listener stores it: tracked, then written in one batch."""
    writer = CallWriter(maker, "default", CallTracker())
    await writer.store(replayed(timed_events(scenario)), [])


async def agents(make_user: Any) -> None:
    await make_user("operator", login="anna", full_name="Анна Иванова", extension="101")
    await make_user("operator", login="boris", full_name="Борис Петров", extension="102")


def sentences(page: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", s)).strip() for s in WORDS.findall(page)]


def in_order(expected: list[str], said: list[str]) -> bool:
    rest = iter(said)
    return all(any(line == s for s in rest) for line in expected)


@pytest.mark.parametrize(("scenario", "language"), sorted(EXPECTED))
async def test_a_transfer_reads_in_words_in_order(
    scenario: str,
    language: str,
    sessionmaker: Any,  # noqa: F811
    signed_in: Any,
    make_user: Any,
    db_session: Any,
) -> None:
    await agents(make_user)
    linkedid = LINKEDIDS[scenario]
    owner = await make_user("manager")
    client_row = await add_client(db_session, "Иван Клиентов", CALLERS[linkedid],
                                  owner_id=owner.id)  # fmt: skip
    await store(sessionmaker, scenario)
    client, _, _ = await signed_in("supervisor", language=language, timezone="Asia/Vladivostok")
    response = await client.get(f"/calls/{linkedid}")
    page = await response.text()
    assert response.status == 200, page
    said = sentences(page)
    assert in_order(EXPECTED[scenario, language], said), said
    assert not [s for s in said if "%(" in s or "?" in s]  # every detail was there
    assert f'href="/clients/{client_row.id}"' in page and "Иван Клиентов" in page
    assert page.count('class="leg"') >= 4 and ANNA in page and BORIS in page
    assert "support" in page
    # times in the reader's zone: 17:44 UTC is 03:44 the next day in Vladivostok
    shown = re.sub(r"<[^>]+>", " ", page)
    assert "3:44:0" in shown and "17:44" not in shown and "5:44:0" not in shown


async def test_the_page_has_the_facts_the_wrapup_and_the_campaign_disposition(
    sessionmaker: Any,  # noqa: F811
    signed_in: Any,
    make_user: Any,
    db_session: Any,
) -> None:
    await agents(make_user)
    await store(sessionmaker, "06a_blind_transfer")
    client, operator, _ = await signed_in("operator", language="ru")
    await save_wrapup(db_session, linkedid=BLIND, actor=await get_user(db_session, operator.id),
                      result="sale", note="Клиент берёт два тарифа")  # fmt: skip
    campaign = Campaign(name="Весенняя акция", dispositions=[
        {"code": "sold", "label": "Продал", "kind": "success"}])  # fmt: skip
    db_session.add(campaign)
    await db_session.flush()
    contact = CampaignContact(campaign_id=campaign.id, e164="+79165550101")
    db_session.add(contact)
    await db_session.flush()
    db_session.add(CampaignAttempt(campaign_id=campaign.id, contact_id=contact.id,
                                   action_id="a-1", number="+79165550101", linkedid=BLIND,
                                   disposition="sold", note="перезвонить в мае"))  # fmt: skip
    await db_session.commit()
    page = html.unescape(await (await client.get(f"/calls/{BLIND}")).text())
    for fact in ("8 (916) 555-01-01", "входящий", "support", "обычное завершение (16)",
                 "продажа", "Клиент берёт два тарифа", "Продал", "Весенняя акция",
                 "перезвонить в мае", "неизвестный номер"):  # fmt: skip
        assert fact in page, fact
    assert "<audio" not in page  # no recording, no player


async def seed_uncertain(db_session: Any) -> str:
    call = finish(inbound_answered("lost.1"))
    call.end_uncertain, call.ended_latest_at = True, call.ended_at + timedelta(minutes=3)
    call.timeline.insert(-1, CallEvent(call.ended_at, "lost_during_disconnect", "",
                                       {"found_at": call.ended_latest_at.isoformat()}))  # fmt: skip
    call.timeline[-1] = CallEvent(call.ended_at, "ended", "", {"outcome": "answered"})
    call.recording = "lost.wav"
    await save_call(db_session, call)
    live = inbound_answered("live.1")  # still ringing: no end, no outcome
    await save_call(db_session, live)
    await db_session.commit()
    return call.linkedid


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_an_uncertain_end_and_a_live_call_say_so(
    language: str, signed_in: Any, db_session: Any
) -> None:
    linkedid = await seed_uncertain(db_session)
    client, _, _ = await signed_in("admin", language=language)
    page = html.unescape(await (await client.get(f"/calls/{linkedid}")).text())
    said = sentences(page)
    if language == "en":
        assert "end uncertain (PBX link lost)" in page and "The call ended between" in page
        assert "(as far as it was heard)" in page
        assert any(s.startswith("The PBX link was lost: the call ended unheard") for s in said)
        assert "Hung up: answered" in said
    else:
        assert "конец неточен (связь с АТС терялась)" in page
        assert any(s.startswith("Связь с АТС терялась") for s in said)
    assert '<audio class="recording"' in page
    assert (await client.get("/calls/live.1")).status == 200


async def test_the_calls_list_the_card_and_the_task_link_to_the_page(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    owner = await make_user("manager")
    client_row = await add_client(db_session, "Иван", "+79161234567", owner_id=owner.id)
    await save_call(db_session, finish(inbound_answered()))
    await db_session.commit()
    call_id = await db_session.scalar(select(CallRow.id))
    task = Task(kind="call", title="Перезвонить", due_at=datetime(2030, 1, 1, tzinfo=UTC),
                call_id=call_id, client_id=client_row.id)  # fmt: skip
    db_session.add(task)
    await db_session.commit()
    client, _, _ = await signed_in("supervisor")
    link = 'href="/calls/1795715043.26"'
    assert link in await (await client.get("/calls")).text()
    assert link in await (await client.get(f"/calls?client={client_row.id}")).text()
    assert link in await (await client.get(f"/clients/{client_row.id}")).text()
    assert link in await (await client.get(f"/tasks/{task.id}")).text()
    assert 'href="/calls"' in await (await client.get("/workspace")).text()  # in the menu
    report = await (await client.get("/reports/calls?since=2026-11-26&until=2026-11-26")).text()
    listed = re.search(r'<p class="report-calls-link"><a href="(/calls\?[^"]+)"', report)
    assert listed, "the calls report links to its calls"
    assert link in await (await client.get(html.unescape(listed.group(1)))).text()


async def test_who_sees_the_page_is_who_sees_the_call_in_the_list_and_the_api(
    client: Any, make_user: Any, db_session: Any
) -> None:
    owner = await make_user("manager")
    other = await make_user("manager")
    everyone = await make_user("manager", sees_all_clients=True)
    agent = await make_user("manager", extension="101")  # took the call
    await add_client(db_session, "Иван", "+79161234567", owner_id=owner.id)
    await save_call(db_session, finish(inbound_answered()))
    await db_session.commit()
    path = "/calls/1795715043.26"
    for user, status in ((owner, 200), (other, 404), (everyone, 200), (agent, 200)):
        await sign_in(client, user)
        response = await client.get(path)
        assert response.status == status, user.login
        listed = "1795715043.26" in await (await client.get("/calls")).text()
        assert listed is (status == 200), user.login
        assert (await client.get(f"{path}/recording")).status == 404  # none: or not theirs
        client.session.cookie_jar.clear()
    for role in ("operator", "supervisor", "admin"):
        await sign_in(client, await make_user(role))
        assert (await client.get(path)).status == 200, role
        client.session.cookie_jar.clear()
    await sign_in(client, await make_user("partner"))
    assert (await client.get(path)).status == 403
    assert (await client.get("/calls")).status == 403
    client.session.cookie_jar.clear()
    anonymous = await client.get(path, allow_redirects=False)
    assert anonymous.status in (302, 303) and "/login" in anonymous.headers["Location"]


GARBAGE = [
    "2147483648",
    "99999999999999999999999999",
    "-1",
    "0",
    "abc",
    "1795715043.26x",
    "x" * 65,
    "9" * 4000,
    "%00",
    "1795715043.26%00",
    "%0A",
    "%F0%9F%93%9E",
    "%27%20OR%201%3D1%20--",
    "%25s%25s%25n",
    "..%2F..%2Fetc%2Fpasswd",
]


async def test_garbage_ids_are_no_call_never_an_error(signed_in: Any, db_session: Any) -> None:
    await save_call(db_session, finish(inbound_answered()))
    await db_session.commit()
    client, _, _ = await signed_in("admin")
    for raw in GARBAGE:
        for path in (f"/calls/{raw}", f"/calls/{raw}/recording"):
            response = await client.get(path)
            assert response.status == 404, (path, response.status)
            assert "Traceback" not in await response.text()


@pytest.mark.parametrize(
    "query",
    [
        "page=0", "page=-3", "page=99999999999999", "page=abc", "from=2026-13-45",
        "from=99999-01-01", "to=yesterday", "client=2147483648", "client=abc",
        "direction=%00", "outcome=nonsense", "phone=" + "9" * 5000, "agent=%27",
        "queue=" + "q" * 500, "from=2030-01-01&to=2020-01-01",
    ],
)  # fmt: skip
async def test_the_list_refuses_bad_filters_without_an_error(
    query: str, signed_in: Any, db_session: Any
) -> None:
    await save_call(db_session, finish(inbound_answered()))
    await db_session.commit()
    client, _, _ = await signed_in("admin")
    response = await client.get(f"/calls?{query}")
    assert response.status < 500, (query, await response.text())


async def test_the_list_pages_through_every_call_once(signed_in: Any, db_session: Any) -> None:
    for n in range(53):
        call = finish(inbound_answered(f"page.{n}"))
        call.started_at += timedelta(minutes=n)
        call.outcome = Outcome.ANSWERED
        await save_call(db_session, call)
    await db_session.commit()
    client, _, _ = await signed_in("admin")
    first = await (await client.get("/calls")).text()
    second = await (await client.get("/calls?page=2")).text()
    seen = re.findall(r'data-linkedid="(page\.\d+)"', first + second)
    assert len(seen) == 53 and set(seen) == {f"page.{n}" for n in range(53)}
    assert seen[0] == "page.52" and 'rel="next"' in first and 'rel="next"' not in second
