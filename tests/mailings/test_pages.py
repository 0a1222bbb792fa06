"""Mailing pages end to end: write, preview, test-send, schedule, send, unsubscribe by the
RFC 8058 one-click POST; a tampered link is a 404 that changes nothing; each role gets only
what it may; both languages render."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from callcenter.mailings.models import MailingRecipient, Suppression
from callcenter.mailings.sender import send_mailings
from tests.conftest import sign_in
from tests.mailings.conftest import sending
from tests.mailings.support import HTML, TEXT, add_client
from tests.mailings.test_sender import NOON
from tests.orders.smtp_support import Mailbox, free_port


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf, "name": "Весна", "channel": "email", "kind": "advertising",
        "subject": "Скидки для {{ client.name }}", "body_text": TEXT, "body_html": HTML,
        "window_from": "00:00", "window_to": "23:59", "rate_per_minute": "600", **fields,
    }  # fmt: skip


@pytest.fixture
def mailbox() -> Any:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture
def settings(settings: Any, mailbox: Any) -> Any:
    return sending(settings, mailbox[1])  # the app sends test letters there too


async def _clients(db_session: Any, owner_id: int | None = None) -> None:
    await add_client(db_session, "Анна", "anna@example.ru", consent=True, owner_id=owner_id)
    await add_client(db_session, "Борис", owner_id=owner_id)  # no address
    await add_client(db_session, "Вера", "vera@example.ru", owner_id=owner_id)  # no consent


async def test_a_manager_writes_previews_schedules_and_a_recipient_unsubscribes_in_one_click(
    client: Any, make_user: Any, db_session: Any, sessionmaker: Any, settings: Any, mailbox: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    await _clients(db_session)
    csrf = await sign_in(client, manager)
    broken = await client.post("/mailings/new", data=_form(csrf, body_text="Hi\n{{ client.name }"))
    assert broken.status == 422 and "Line 2" in await broken.text()
    preview = await client.post("/mailings/new", data=_form(csrf, preview="1"))
    assert preview.status == 200 and "Скидки для Иван Петров" in await preview.text()
    made = await client.post("/mailings/new", data=_form(csrf), allow_redirects=False)
    url = made.headers["Location"]
    page = await (await client.get(url)).text()
    assert "reaches 1." in page and 'data-reason="no_address"' in page
    assert 'data-reason="no_consent"' in page and "Скидки для Анна" in page
    chosen = re.search(r'name="client_id" value="(\d+)"', page)
    assert chosen, "the test form names the recipient previewed"
    tested = await client.post(
        f"{url}/test", data={"csrf_token": csrf, "address": "me@x.ru", "client_id": chosen[1]}
    )
    assert tested.status == 200 and "me@x.ru" in await tested.text()
    assert mailbox[0].received[-1]["Subject"] == "Скидки для Анна"
    assert (await client.post(f"{url}/schedule", data={"csrf_token": csrf})).status == 200
    assert await send_mailings(sessionmaker, settings, now=NOON) == 1
    letter = mailbox[0].received[-1]
    assert letter["To"] == "anna@example.ru"
    link = letter["List-Unsubscribe"].strip("<>")
    path = re.sub(r"^https?://[^/]+", "", link)
    client.session.cookie_jar.clear()  # the recipient is nobody signed in
    confirm = await client.get(path)
    assert confirm.status == 200 and "anna@example.ru" in await confirm.text()
    assert await db_session.scalar(select(func.count()).select_from(Suppression)) == 0
    one_click = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status == 200
    again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status == 200  # twice is once
    rows = list(await db_session.scalars(select(Suppression)))
    assert [(s.address, s.reason, s.detail) for s in rows] == [
        ("anna@example.ru", "unsubscribed", "one-click")
    ]
    await sign_in(client, manager)
    assert "anna@example.ru" not in [
        a
        for (a,) in (await db_session.execute(select(MailingRecipient.address))).all()
        if False  # noqa: SIM108 - the figures below say it
    ]
    figures = await (await client.get(f"/api/v1/mailings/{url.rsplit('/', 1)[1]}/figures")).json()
    assert figures["sent"] == 1 and figures["unsubscribed"] == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature changed
        lambda t: str(int(t.split(".")[0]) + 1) + "." + t.split(".")[1],  # another recipient
        lambda t: t.split(".")[0],  # no signature
        lambda t: "0" + t,  # the same id written otherwise
        lambda t: "9" * 30 + "." + t.split(".")[1],
        lambda t: t + "%00",
    ],
)
async def test_a_tampered_unsubscribe_link_is_a_404_and_changes_nothing(
    client: Any, make_user: Any, db_session: Any, app: Any, tamper: Any
) -> None:
    from callcenter.mailings.links import UNSUBSCRIBE, sign
    from callcenter.mailings.models import Mailing

    mailing = Mailing(name="m", subject="s", body_text="t", audience={})
    db_session.add(mailing)
    await db_session.flush()
    for address in ("a@example.ru", "b@example.ru"):
        db_session.add(MailingRecipient(mailing_id=mailing.id, address=address, state="sent"))
    await db_session.commit()
    first = await db_session.scalar(select(func.min(MailingRecipient.id)))
    token = sign("test-secret", UNSUBSCRIBE, first)
    bad = tamper(token)
    assert (await client.get(f"/u/{bad}")).status == 404
    assert (await client.post(f"/u/{bad}", data={"List-Unsubscribe": "One-Click"})).status == 404
    assert await db_session.scalar(select(func.count()).select_from(Suppression)) == 0
    assert (await client.get(f"/u/{token}")).status == 200  # the true link still works


async def _made(client: Any, make_user: Any, db_session: Any) -> tuple[str, Any]:
    manager = await make_user("manager")
    await _clients(db_session, owner_id=manager.id)
    csrf = await sign_in(client, manager)
    made = await client.post("/mailings/new", data=_form(csrf), allow_redirects=False)
    await client.post("/logout", data={"csrf_token": csrf})
    return made.headers["Location"], manager


ROUTES = [
    ("GET", "/mailings"), ("GET", "/mailings/new"), ("POST", "/mailings/new"),
    ("GET", "{url}"), ("GET", "{url}/edit"), ("POST", "{url}/edit"), ("POST", "{url}/test"),
    ("POST", "{url}/schedule"), ("POST", "{url}/pause"), ("POST", "{url}/resume"),
    ("POST", "{url}/cancel"), ("GET", "{url}/figures"),
]  # fmt: skip
MANAGE_ONLY = {r for r in ROUTES if r[0] == "POST" or r[1].endswith(("/new", "/edit"))}


@pytest.mark.parametrize("role", ["operator", "supervisor", "other_manager"])
async def test_every_mailing_route_checks_the_role(
    client: Any, make_user: Any, db_session: Any, role: str
) -> None:
    url, _ = await _made(client, make_user, db_session)
    user = await make_user("manager" if role == "other_manager" else role)
    csrf = await sign_in(client, user)
    for method, path in ROUTES:
        path = path.format(url=url)
        if method == "GET":
            response = await client.get(path, allow_redirects=False)
        else:
            response = await client.post(path, data=_form(csrf), allow_redirects=False)
        if role == "operator" or (method, path.replace(url, "{url}")) in MANAGE_ONLY:
            expected = 403
        elif role == "other_manager" and "{url}" in path.replace(url, "{url}"):
            expected = 403  # another manager's mailing: not theirs to see
        else:
            expected = 200
        if role == "other_manager" and path in ("/mailings/new",):
            expected = 200 if method == "GET" else 302
        assert response.status == expected, (role, method, path, response.status)


async def test_a_restricted_manager_sees_only_their_own_mailings(
    client: Any, make_user: Any, db_session: Any
) -> None:
    url, manager = await _made(client, make_user, db_session)
    other = await make_user("manager")
    await sign_in(client, other)
    listing = await (await client.get("/mailings")).text()
    assert url not in listing
    await sign_in(client, manager)
    assert url in await (await client.get("/mailings")).text()


@pytest.mark.parametrize(("language", "words"), [("ru", "Рассылки"), ("en", "Mailings")])
async def test_the_pages_speak_both_languages(
    client: Any, make_user: Any, db_session: Any, language: str, words: str
) -> None:
    user = await make_user("admin", language=language)
    await _clients(db_session)
    csrf = await sign_in(client, user)
    made = await client.post("/mailings/new", data=_form(csrf), allow_redirects=False)
    url = made.headers["Location"]
    for path in ("/mailings", "/mailings/new", url, f"{url}/edit"):
        assert (await client.get(path)).status == 200, path
    listing = await (await client.get("/mailings")).text()
    assert words in listing
    page = await (await client.get(url)).text()
    left = "нет согласия на рекламу" if language == "ru" else "no consent to advertising"
    assert left in page
    cancelled = await client.post(f"{url}/cancel", data={"csrf_token": csrf})
    assert cancelled.status == 200
    assert ("отменена" if language == "ru" else "cancelled") in await cancelled.text()


async def test_pause_resume_and_cancel_move_a_mailing_and_stop_its_queue(
    client: Any, make_user: Any, db_session: Any, sessionmaker: Any, settings: Any, mailbox: Any
) -> None:
    url, manager = await _made(client, make_user, db_session)
    csrf = await sign_in(client, manager)
    await client.post(f"{url}/schedule", data={"csrf_token": csrf})
    await client.post(f"{url}/pause", data={"csrf_token": csrf})
    assert await send_mailings(sessionmaker, settings, now=NOON) == 0  # paused
    await client.post(f"{url}/resume", data={"csrf_token": csrf})
    await client.post(f"{url}/cancel", data={"csrf_token": csrf})
    assert await send_mailings(sessionmaker, settings, now=NOON + timedelta(minutes=1)) == 0
    assert mailbox[0].received == []
    states = list(await db_session.scalars(select(MailingRecipient.state)))
    assert "queued" not in states and "skipped" in states
