"""Campaign pages: the form keeps what was typed, contacts from the form, the moves, the
campaign's own do-not-call list, the results files and the live frame."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select

from callcenter.dialer.models import Campaign, CampaignContact, CampaignDoNotCall
from tests.calls.test_screenpop import frame_of, until_listening
from tests.campaigns.support import add_client, add_queue
from tests.conftest import sign_in

FORM = {
    "name": "Летняя акция",
    "mode": "progressive",
    "queue": "sales",
    "script": "Здравствуйте, это «Ромашка»!",
    "disposition_label": ["Продажа", "Отказ", ""],
    "disposition_code": ["sale", "", ""],
    "disposition_kind": ["success", "refusal", "other"],
    "refusal_reasons": "Дорого\nНе сейчас",
    "weekdays": ["1", "2", "3", "4", "5"],
    "window_from": "09:00",
    "window_to": "20:00",
    "max_attempts": "4",
    "ring_seconds": "25",
    "max_dial_ratio": "2",
    "abandon_cap_percent": "3",
    "abandon_grace_seconds": "2",
    **{f"retry_{o}_after": "30" for o in ("busy", "no_answer", "failed", "machine", "congestion")},
    **{f"retry_{o}_max": "2" for o in ("busy", "no_answer", "failed", "machine", "congestion")},
}


def _post(csrf: str, **fields: Any) -> list[tuple[str, str]]:
    """The form as a browser sends it: repeated fields repeated."""
    data = {**FORM, "csrf_token": csrf, **fields}
    return [
        (k, v)
        for k, values in data.items()
        for v in (values if isinstance(values, list) else [values])
    ]


async def test_a_manager_makes_a_campaign_with_numbers_and_sees_its_page(
    signed_in: Any, db_session: Any
) -> None:
    client, _me, csrf = await signed_in("manager")
    await add_queue(db_session)
    assert "/campaigns" in await (await client.get("/workspace")).text()  # the nav link
    new = await client.get("/campaigns/new")
    assert new.status == 200 and "Wrong number" in await new.text()  # the usual dispositions
    data = _post(csrf, source="numbers", numbers="8 916 111-22-33; Анна\n+79162223344")
    response = await client.post("/campaigns/new", data=data, allow_redirects=False)
    assert response.status == 302, await response.text()
    page = await (await client.get(response.headers["Location"])).text()
    assert "Летняя акция" in page and "Здравствуйте, это «Ромашка»!" in page
    assert "Анна" in page and "contacts left of 2" in page and "campaign-start" in page
    listing = await (await client.get("/campaigns")).text()
    assert "Летняя акция" in listing


async def test_a_bad_form_keeps_what_was_typed_and_names_each_field(
    signed_in: Any, db_session: Any
) -> None:
    client, _me, csrf = await signed_in("manager")
    await add_queue(db_session)
    data = _post(csrf, name="", window_to="08:00", max_dial_ratio="9", source="numbers",
                 numbers="+79161112233\nне номер")  # fmt: skip
    response = await client.post("/campaigns/new", data=data)
    assert response.status == 422
    page = await response.text()
    for error in ("err-name", "err-window_to", "err-max_dial_ratio"):
        assert error in page
    assert "Здравствуйте, это «Ромашка»!" in page and "не номер" in page  # kept as typed
    response = await client.post("/campaigns/new", data=_post(csrf, source="numbers",
                                 numbers="+79161112233\nне номер"))  # fmt: skip
    page = await response.text()
    assert response.status == 422 and "Not numbers to call" in page and "nothing was added" in page
    assert await db_session.scalar(select(func.count()).select_from(Campaign)) == 0


async def test_start_pause_resume_stop_from_the_page(signed_in: Any, db_session: Any) -> None:
    client, _me, csrf = await signed_in("admin")
    await add_queue(db_session)
    made = await client.post("/campaigns/new", data=_post(csrf), allow_redirects=False)
    url = made.headers["Location"]
    refused = await client.post(f"{url}/start", data={"csrf_token": csrf})
    assert refused.status == 409 and "no contacts left to call" in await refused.text()
    added = await client.post(f"{url}/contacts", data={"csrf_token": csrf, "source": "numbers",
                                                        "numbers": "+79161112233"})  # fmt: skip
    assert "1 contact added" in await added.text()
    for action, state in (("start", "running"), ("pause", "paused"), ("resume", "running"),
                          ("stop", "stopped")):  # fmt: skip
        moved = await client.post(f"{url}/{action}", data={"csrf_token": csrf},
                                  allow_redirects=False)  # fmt: skip
        assert moved.status == 302
        campaign = await db_session.scalar(
            select(Campaign).execution_options(populate_existing=True)
        )
        assert campaign.state == state
    figures = await client.get(f"{url}/figures")
    assert figures.status == 200 and 'data-state="stopped"' in await figures.text()
    assert (await client.get(f"{url}/edit")).status == 200
    again = await client.post(f"{url}/edit", data=_post(csrf))
    assert again.status == 409


async def test_contacts_from_a_segment_and_the_campaign_s_do_not_call_list(
    signed_in: Any, db_session: Any
) -> None:
    from callcenter.clients.models import Segment

    client, _me, csrf = await signed_in("admin")
    await add_queue(db_session)
    segment = Segment(name="Оптовики")
    db_session.add(segment)
    await db_session.commit()
    await add_client(db_session, "ООО Опт", "+79165550001", segment_id=segment.id)
    data = _post(csrf, source="filter", filter_segment=str(segment.id))
    made = await client.post("/campaigns/new", data=data, allow_redirects=False)
    url = made.headers["Location"]
    contact = await db_session.scalar(select(CampaignContact))
    assert (contact.e164, contact.name) == ("+79165550001", "ООО Опт")
    form = {"csrf_token": csrf, "number": "8 916 555-00-01", "reason": "Просил не звонить"}
    assert (await client.post(f"{url}/dnc", data=form, allow_redirects=False)).status == 302
    twice = await client.post(f"{url}/dnc", data=form)
    assert twice.status == 409 and "already on the campaign" in await twice.text()
    bad = await client.post(f"{url}/dnc", data={**form, "number": "123"})
    assert bad.status == 422 and 'value="123"' in await bad.text()
    entry = await db_session.scalar(select(CampaignDoNotCall))
    assert entry.e164 == "+79165550001" and entry.reason == "Просил не звонить"
    removed = await client.post(f"{url}/dnc/{entry.id}/remove", data={"csrf_token": csrf},
                                allow_redirects=False)  # fmt: skip
    assert removed.status == 302
    assert await db_session.scalar(select(func.count()).select_from(CampaignDoNotCall)) == 0


async def test_the_results_come_as_files_in_the_user_s_language(
    signed_in: Any, db_session: Any
) -> None:
    client, _me, csrf = await signed_in("manager", language="ru")
    await add_queue(db_session)
    data = _post(csrf, source="numbers", numbers="+79161112233; Анна")
    made = await client.post("/campaigns/new", data=data, allow_redirects=False)
    url = made.headers["Location"]
    response = await client.get(f"{url}/export?list=contacts&format=csv")
    assert response.status == 200
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["№ контакта", "Имя", "№ клиента", "Телефон"]
    assert rows[1][1] == "Анна" and rows[1][3] == "+79161112233" and rows[1][4] == "ещё не звонили"
    xlsx = await client.get(f"{url}/export?list=attempts&format=xlsx")
    assert xlsx.status == 200 and xlsx.headers["Content-Type"].startswith("application/vnd.openxml")


async def test_roles_on_campaign_pages(client: Any, make_user: Any, db_session: Any) -> None:
    await add_queue(db_session)
    manager = await make_user("manager")
    csrf = await sign_in(client, manager)
    made = await client.post("/campaigns/new", data=_post(csrf), allow_redirects=False)
    url = made.headers["Location"]
    await client.post("/logout", data={"csrf_token": csrf})
    supervisor = await make_user("supervisor")
    csrf = await sign_in(client, supervisor)
    page = await client.get(url)
    assert page.status == 200 and "campaign-start" not in await page.text()
    assert (await client.get("/campaigns/new")).status == 403
    assert (await client.post(f"{url}/start", data={"csrf_token": csrf})).status == 403
    await client.post("/logout", data={"csrf_token": csrf})
    operator = await make_user("operator")
    await sign_in(client, operator)
    assert (await client.get(url)).status == 403
    assert (await client.get("/campaigns")).status == 403


async def test_a_change_sends_a_campaign_frame_to_those_who_see_campaigns(
    client: Any, app: Any, make_user: Any, db_session: Any
) -> None:
    await add_queue(db_session)
    manager = await make_user("manager", sees_all_clients=True)
    csrf = await sign_in(client, manager)
    ws = await client.ws_connect("/ws/live?pops=0")
    await frame_of(ws, "hello")
    await until_listening(app)
    data = _post(csrf, source="numbers", numbers="+79161112233")
    made = await client.post("/campaigns/new", data=data, allow_redirects=False)
    campaign_id = int(made.headers["Location"].rsplit("/", 1)[1])
    await client.post(f"/campaigns/{campaign_id}/start", data={"csrf_token": csrf})
    frame = await frame_of(ws, "campaign")
    assert frame["id"] == campaign_id and set(frame) == {"type", "id", "event_at"}
    await ws.close()


async def test_the_contact_table_names_each_disposition_by_its_label(
    signed_in: Any, db_session: Any
) -> None:
    client, _me, csrf = await signed_in("manager")
    await add_queue(db_session)
    data = _post(csrf, source="numbers", numbers="+79161112233; Анна")
    made = await client.post("/campaigns/new", data=data, allow_redirects=False)
    campaign = await db_session.scalar(select(Campaign))
    code = next(d["code"] for d in campaign.dispositions if d["label"] == "Отказ")
    contact = await db_session.scalar(select(CampaignContact))
    contact.state, contact.disposition, contact.refusal_reason = "done", code, "Дорого"
    await db_session.commit()
    page = await (await client.get(made.headers["Location"])).text()
    row = page.split("Анна", 1)[1].split("</tr>", 1)[0]
    assert "Отказ · Дорого" in row and code not in row  # the label, not the code
