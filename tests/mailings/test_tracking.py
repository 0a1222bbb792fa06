"""Open and click tracking end to end: letters sent over a real SMTP server on loopback carry
signed redirects and a pixel; a hit on them (no login) is recorded once as the first open or
click and every time as an event; a tampered, foreign or unknown token is a 404 that writes
nothing; the redirect goes only to the mailing's stored URL; the unsubscribe link is no click."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from callcenter.mailings.letters import Letter, links_of, track_links
from callcenter.mailings.links import Tracked, sign_click, sign_open, verify_click, verify_open
from callcenter.mailings.models import MailingEvent, MailingLink, MailingRecipient
from callcenter.mailings.sender import send_mailings
from callcenter.mailings.service import create_mailing, schedule_mailing
from tests.mailings.conftest import sending
from tests.mailings.support import add_client, mailing_input
from tests.mailings.test_sender import NOON
from tests.orders.smtp_support import Mailbox, smtp_server
from web.keys import HIT_RECORDER

TEXT = (
    "Здравствуйте, {{ client.name }}! Каталог: https://shop.example.ru/catalog?a=1&b=2.\n"
    "Акция (https://shop.example.ru/sale) и снова https://shop.example.ru/catalog?a=1&b=2\n"
    "Отписаться: {{ unsubscribe_url }}"
)
HTML = (
    '<html><body><p><a href="https://shop.example.ru/catalog?a=1&b=2">Каталог</a> '
    "<a href='https://shop.example.ru/sale'>Акция</a> "
    '<a href="mailto:shop@example.ru">почта</a></p>'
    '<a href="{{ unsubscribe_url }}">Отписаться</a></body></html>'
)
OWN = ("https://crm.example.ru/u/", "https://crm.example.ru/m/")
CLICK = re.compile(r"https://crm\.example\.ru/m/c/[0-9A-Za-z._-]+")
PIXEL = re.compile(r"https://crm\.example\.ru/m/o/[0-9A-Za-z._-]+")


def test_links_in_both_parts_are_rewritten_our_own_left_alone_and_the_pixel_added() -> None:
    letter = Letter(
        "s",
        '<p><a href="https://a.ru/x?p=1&amp;q=2">x</a><a href="https://crm.example.ru/u/1.m">u</a>'
        '<a HREF = " http://b.ru/y ">y</a></p></body>',
        "see https://a.ru/x?p=1&q=2, then (http://b.ru/y). bye https://crm.example.ru/u/1.m",
    )
    assert links_of(letter, own=OWN) == ["https://a.ru/x?p=1&q=2", "http://b.ru/y"]
    numbers = {"https://a.ru/x?p=1&q=2": 1, "http://b.ru/y": 2}
    made = track_links(
        letter, own=OWN, redirect=lambda url: f"R{numbers[url]}", pixel="https://crm/m/o/P&1"
    )
    assert made.text == "see R1, then (R2). bye https://crm.example.ru/u/1.m"
    assert '<a href="R1">x</a>' in made.html and '<a HREF = "R2">y</a>' in made.html
    assert 'href="https://crm.example.ru/u/1.m"' in made.html
    assert made.html.endswith('<img src="https://crm/m/o/P&amp;1" width="1" height="1" '
                              'alt="" style="border:0"></body>')  # fmt: skip


def test_a_link_too_long_or_with_a_line_break_is_left_as_written_and_text_gets_no_pixel() -> None:
    long = "https://a.ru/" + "ж" * 1500
    letter = Letter("s", "", f"{long} and https://b.ru/ok")
    assert links_of(letter, own=OWN) == ["https://b.ru/ok"]
    made = track_links(letter, own=OWN, redirect=lambda url: "R", pixel="P")
    assert made.text == f"{long} and R" and made.html == ""
    broken = Letter("s", '<a href="https://a.ru/\nx">x</a>', "")
    assert links_of(broken, own=OWN) == []


@pytest.mark.parametrize(
    "token",
    ["", ".", "1-1", "1-1.", "x-1.abc", "1-x.abc", "01-1.abc", "1-01.abc", "-1-1.abc",
     "1--1.abc", "99999999999999999999-1.abc", "1-99999999999.abc", "١-١.abc", "1-1.a.b",
     "1-1-1.abc", "1-1-1-1.abc", "1.abc", "1-1-01.abc", "1-1-1-.abc", "1-+1-1.abc",
     "2147483648-1-1.abc", "1-1-2147483648.abc", "1-" + "9" * 5000 + ".abc"],
)  # fmt: skip
def test_garbage_click_tokens_name_nobody(token: str) -> None:
    assert verify_click("secret", token) is None
    assert verify_open("secret", token) is None


def older_token(secret: str, purpose: str, head: str) -> str:
    """A token as letters sent before links named their mailing carry it, made by hand from
    its documented form (HMAC-SHA256 of "<purpose>:<head>", URL-safe base64, 22 chars)."""
    digest = hmac.new(secret.encode(), f"{purpose}:{head}".encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(digest).decode()[:22]}"


def test_a_click_token_opens_only_its_own_mailing_recipient_and_link() -> None:
    token = sign_click("secret", 5, 7, 3)
    assert verify_click("secret", token) == Tracked(7, 5, 3)
    head, mac = token.split(".")
    for other in ("6-7-3", "5-8-3", "5-7-4", "7-3", "5-7"):
        assert verify_click("secret", f"{other}.{mac}") is None, other
    assert verify_click("other", token) is None
    assert verify_open("secret", token) is None  # a click is not a pixel
    assert verify_click("", token) is None


def test_a_pixel_token_opens_only_its_own_mailing_and_recipient() -> None:
    token = sign_open("secret", 5, 7)
    assert verify_open("secret", token) == Tracked(7, 5)
    head, mac = token.split(".")
    for other in ("6-7", "5-8", "7", "5-7-1"):
        assert verify_open("secret", f"{other}.{mac}") is None, other
    assert verify_click("secret", token) is None and verify_open("other", token) is None


def test_the_tokens_of_letters_sent_before_still_name_their_recipient() -> None:
    assert verify_click("secret", older_token("secret", "click", "7-3")) == Tracked(7, None, 3)
    assert verify_open("secret", older_token("secret", "open", "7")) == Tracked(7, None)
    assert verify_open("secret", older_token("secret", "click", "7")) is None
    assert verify_open("secret", older_token("other", "open", "7")) is None
    with pytest.raises(ValueError):
        sign_open("", 5, 7)


async def _sent(sessionmaker: Any, settings: Any, admin: Any, names: list[str]) -> tuple[int, Any]:
    async with sessionmaker() as session:
        for name in names:
            await add_client(session, name, f"{name}@example.ru", consent=True)
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(body_text=TEXT, body_html=HTML), actor=admin,
            timezone="Europe/Moscow", rate_cap=60_000,
        )  # fmt: skip
    async with sessionmaker.begin() as session:
        await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        assert await send_mailings(sessionmaker, sending(settings, port), now=NOON) == len(names)
    return mailing.id, {m["To"].split("@")[0]: m for m in mailbox.received}


def _parts(message: Any) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


async def _count(sessionmaker: Any, model: Any) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_sent_letters_carry_numbered_tracked_links_and_a_click_redirects_once_counted(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id, letters = await _sent(sessionmaker, settings, admin, ["anna", "boris"])
    async with sessionmaker() as session:
        stored = (await session.execute(
            select(MailingLink.number, MailingLink.url).where(MailingLink.mailing_id == mailing_id)
            .order_by(MailingLink.number)
        )).all()  # fmt: skip
    assert stored == [
        (1, "https://shop.example.ru/catalog?a=1&b=2"),
        (2, "https://shop.example.ru/sale"),
    ]  # once per mailing, however many letters and repeats
    text, html = _parts(letters["anna"])
    assert "shop.example.ru" not in text and "shop.example.ru" not in html
    assert "mailto:shop@example.ru" in html  # not http(s): left alone
    assert "https://crm.example.ru/u/" in text and 'href="https://crm.example.ru/u/' in html
    assert len(CLICK.findall(text)) == 3 and len(CLICK.findall(html)) == 2
    assert len(PIXEL.findall(html)) == 1 and not PIXEL.findall(text)
    anna_click = CLICK.findall(html)[1].removeprefix("https://crm.example.ru")
    assert (await client.head(anna_click)).status == 405  # a link checker's HEAD: no click
    for _ in range(2):
        answer = await client.get(anna_click, allow_redirects=False)
        assert answer.status == 302
        assert answer.headers["Location"] == "https://shop.example.ru/sale"
    unsubscribe = re.search(r"https://crm\.example\.ru(/u/\S+)", text)
    assert unsubscribe is not None
    assert (await client.get(unsubscribe.group(1))).status == 200  # a page, no click
    await client.app[HIT_RECORDER].flush()  # the hits are stored in batches
    async with sessionmaker() as session:
        rows = {r.address: r for r in await session.scalars(select(MailingRecipient))}
        clicks = await session.scalar(select(func.count()).where(MailingEvent.kind == "click"))
    anna, boris = rows["anna@example.ru"], rows["boris@example.ru"]
    assert clicks == 2 and anna.first_clicked_at is not None
    assert anna.first_opened_at == anna.first_clicked_at  # a click is an open
    assert boris.first_clicked_at is None and boris.first_opened_at is None


async def test_the_pixel_records_the_first_open_and_every_later_one_as_an_event(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    _, letters = await _sent(sessionmaker, settings, admin, ["anna"])
    pixel = PIXEL.findall(_parts(letters["anna"])[1])[0].removeprefix("https://crm.example.ru")
    first = await client.get(pixel)
    assert first.status == 200 and first.headers["Content-Type"] == "image/gif"
    assert first.headers["Cache-Control"].startswith("no-store")
    assert (await first.read()).startswith(b"GIF89a")
    await client.app[HIT_RECORDER].flush()
    async with sessionmaker() as session:
        opened_at = await session.scalar(select(MailingRecipient.first_opened_at))
    assert opened_at is not None
    assert (await client.get(pixel)).status == 200
    await client.app[HIT_RECORDER].flush()
    async with sessionmaker() as session:
        assert await session.scalar(select(MailingRecipient.first_opened_at)) == opened_at
        assert await session.scalar(select(func.count()).where(MailingEvent.kind == "open")) == 2
        assert await session.scalar(select(MailingRecipient.first_clicked_at)) is None


async def test_a_tampered_foreign_or_unknown_token_is_a_404_that_writes_nothing(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    _, letters = await _sent(sessionmaker, settings, admin, ["anna"])
    click = CLICK.findall(_parts(letters["anna"])[1])[0].removeprefix("https://crm.example.ru")
    pixel = PIXEL.findall(_parts(letters["anna"])[1])[0].removeprefix("https://crm.example.ru")
    head, mac = click.removeprefix("/m/c/").split(".")
    mailing, recipient, _ = map(int, head.split("-"))
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    secret = settings.secret_key
    bad = [
        f"/m/c/{head}.{flipped}",
        f"/m/c/{mailing}-{recipient}-2.{mac}",  # another link with this link's mac
        f"/m/c/{sign_click(secret, mailing, recipient, 99)}",  # signed, but no such link
        f"/m/c/{sign_click(secret, 424242, recipient, 1)}",  # signed, but no such mailing
        f"/m/c/{older_token(secret, 'click', '424242-1')}",  # an older one: no such recipient
        f"/m/c/{sign_click('another-secret', mailing, recipient, 1)}",
        f"/m/o/{head}.{mac}",  # a click's token is not a pixel's
        f"/m/o/{sign_open(secret, 424242, recipient)}",
        pixel[:-1] + ("A" if pixel[-1] != "A" else "B"),
        "/m/o/%00", "/m/c/" + "9" * 5000, "/m/c/1-1.%ff%fe", "/m/c/1-1-1.%ff%fe",
    ]  # fmt: skip
    for path in bad:
        answer = await client.get(path, allow_redirects=False)
        assert answer.status == 404, path
        assert "Location" not in answer.headers
    await client.app[HIT_RECORDER].flush()
    assert await _count(sessionmaker, MailingEvent) == 0
    async with sessionmaker() as session:
        row = await session.scalar(select(MailingRecipient))
    assert row is not None and row.first_opened_at is None and row.first_clicked_at is None
