"""Tracking hits answered from the web process's memory and stored in batches: every hit of
many at once counted, the first open and click the earliest hits, what waits stored when
the app shuts down, and a recipient that is not there asked about once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select

from callcenter.mailings import hits
from callcenter.mailings.links import click_url, open_url, sign_click
from callcenter.mailings.models import MailingEvent, MailingRecipient
from tests.mailings.test_tracking import CLICK, PIXEL, _parts, _sent, older_token
from web.keys import ENGINE, HIT_RECORDER

BASE = "https://crm.example.ru"


async def _events(sessionmaker: Any) -> dict[tuple[int, str], list[Any]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(MailingEvent.recipient_id, MailingEvent.kind,
                                            MailingEvent.at))  # fmt: skip
    found: dict[tuple[int, str], list[Any]] = {}
    for recipient_id, kind, at in rows:
        found.setdefault((recipient_id, kind), []).append(at)
    return found


async def test_500_concurrent_hits_are_each_counted_and_the_first_times_are_the_earliest(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    _, letters = await _sent(sessionmaker, settings, admin, ["anna", "boris"])
    anna_html, boris_html = _parts(letters["anna"])[1], _parts(letters["boris"])[1]
    pixel = PIXEL.findall(anna_html)[0].removeprefix(BASE)
    anna_click = CLICK.findall(anna_html)[0].removeprefix(BASE)
    boris_click = CLICK.findall(boris_html)[1].removeprefix(BASE)
    paths = [pixel] * 300 + [anna_click] * 100 + [boris_click] * 100

    async def hit(path: str) -> int:
        answer = await client.get(path, allow_redirects=False)
        await answer.read()
        assert "Set-Cookie" not in answer.headers  # a mail client's hit: no session made
        return int(answer.status)

    statuses = await asyncio.gather(*(hit(path) for path in paths))
    assert statuses.count(200) == 300 and statuses.count(302) == 200
    await client.app[HIT_RECORDER].flush()
    stored = await _events(sessionmaker)
    async with sessionmaker() as session:
        rows = {r.address.split("@")[0]: r for r in await session.scalars(select(MailingRecipient))}
    anna, boris = rows["anna"], rows["boris"]
    assert len(stored[(anna.id, "open")]) == 300 and len(stored[(anna.id, "click")]) == 100
    assert len(stored[(boris.id, "click")]) == 100 and (boris.id, "open") not in stored
    anna_all = stored[(anna.id, "open")] + stored[(anna.id, "click")]
    assert anna.first_opened_at == min(anna_all)
    assert anna.first_clicked_at == min(stored[(anna.id, "click")])
    assert boris.first_opened_at == boris.first_clicked_at == min(stored[(boris.id, "click")])


async def test_a_later_batch_never_moves_a_first_open_later_and_an_earlier_one_moves_it_back(
    sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await _sent(sessionmaker, settings, admin, ["anna"])
    async with sessionmaker() as session:
        anna = await session.scalar(select(MailingRecipient))
    assert anna is not None
    noon, late, early = (datetime(2026, 3, 2, h, tzinfo=UTC) for h in (12, 15, 9))
    for batch in ([hits.Hit(anna.id, None, noon)], [hits.Hit(anna.id, None, late)],
                  [hits.Hit(anna.id, None, early), hits.Hit(424242, None, early)]):  # fmt: skip
        async with sessionmaker.begin() as session:
            await hits.write_hits(session, batch)
    async with sessionmaker() as session:
        assert await session.scalar(select(MailingRecipient.first_opened_at)) == early
        assert await session.scalar(select(func.count()).select_from(MailingEvent)) == 3


async def test_the_hits_waiting_are_stored_when_the_app_shuts_down(
    aiohttp_client: Any, app: Any, sessionmaker: Any, settings: Any, make_user: Any,
    monkeypatch: Any,
) -> None:  # fmt: skip
    monkeypatch.setattr(hits, "FLUSH_SECONDS", 3600.0)  # no batch is due before the end
    monkeypatch.setattr(hits, "FLUSH_HITS", 10**6)
    admin = await make_user("admin")
    _, letters = await _sent(sessionmaker, settings, admin, ["anna"])
    client = await aiohttp_client(app)
    pixel = PIXEL.findall(_parts(letters["anna"])[1])[0].removeprefix(BASE)
    for _ in range(7):
        assert (await client.get(pixel)).status == 200
    await asyncio.sleep(0.2)
    assert await _events(sessionmaker) == {}  # waiting in the process
    await client.close()  # the app's cleanup
    stored = await _events(sessionmaker)
    assert [len(v) for v in stored.values()] == [7]


class Questions:
    """The recorder's questions to the database, by what they ask about."""

    def __init__(self) -> None:
        self.mailings: list[int] = []
        self.recipients: list[int] = []
        self.links: list[Any] = []
        self.other: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM mailings WHERE id" in statement:
            self.mailings.append(parameters[0])
        elif "FROM mailing_recipients WHERE id" in statement:
            self.recipients.extend(parameters[0])  # several at once: ANY($1)
        elif "FROM mailing_links" in statement:
            self.links.append(parameters)
        elif "synchronous_commit" not in statement and "mailing_events" not in statement:
            self.other.append(statement)  # (those two: the writer's batches)


@contextlib.contextmanager
def questions(client: Any) -> Iterator[Questions]:
    asked = Questions()
    engine = client.app[ENGINE].sync_engine
    event.listen(engine, "before_cursor_execute", asked)
    try:
        yield asked
    finally:
        event.remove(engine, "before_cursor_execute", asked)


async def test_an_unknown_mailing_recipient_or_link_is_asked_about_once_a_tampered_token_never(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing, letters = await _sent(sessionmaker, settings, admin, ["anna"])
    async with sessionmaker() as session:
        anna = await session.scalar(select(MailingRecipient.id))
    assert anna is not None
    secret = settings.secret_key
    gone = [open_url("", secret, 424242, anna), click_url("", secret, 424242, anna, 1)]
    older_gone = [f"/m/o/{older_token(secret, 'open', '434343')}",
                  f"/m/c/{older_token(secret, 'click', '434343-1')}"]  # fmt: skip
    no_link = f"/m/c/{sign_click(secret, mailing, anna, 99)}"
    real = PIXEL.findall(_parts(letters["anna"])[1])[0].removeprefix(BASE)
    tampered = real[:-1] + ("A" if real[-1] != "A" else "B")
    with questions(client) as asked:
        paths = gone * 50 + older_gone * 50 + [no_link] * 50
        answers = await asyncio.gather(*(client.get(p, allow_redirects=False) for p in paths))
        assert {a.status for a in answers} == {404}
        for path in [*gone, *older_gone, no_link]:
            assert (await client.get(path, allow_redirects=False)).status == 404
        assert (await client.get(tampered)).status == 404
    # mailing 424242 once, recipient 434343 once (an older token names no mailing), the
    # mailing's link 99 once (after its mailing, once); the tampered token not at all
    assert sorted(asked.mailings) == sorted([424242, mailing])
    assert asked.recipients == [434343] and len(asked.links) == 1
    await client.app[HIT_RECORDER].flush()
    assert await _events(sessionmaker) == {}


async def test_hits_on_many_recipients_ask_about_their_mailing_once_and_no_recipient(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    names = [f"client{i}" for i in range(30)]
    mailing, _ = await _sent(sessionmaker, settings, admin, names)
    async with sessionmaker() as session:
        recipients = list(await session.scalars(select(MailingRecipient.id)))
    secret = settings.secret_key
    paths = [open_url("", secret, mailing, r) for r in recipients] + [
        click_url("", secret, mailing, r, 1 + r % 2) for r in recipients
    ]
    with questions(client) as asked:
        answers = await asyncio.gather(*(client.get(p, allow_redirects=False) for p in paths))
        assert [a.status for a in answers] == [200] * 30 + [302] * 30
    await client.app[HIT_RECORDER].flush()
    assert asked.mailings == [mailing] and asked.recipients == [] and len(asked.links) == 2
    assert asked.other == []  # no session, no user: no other question at all
    stored = await _events(sessionmaker)
    assert {key: len(at) for key, at in stored.items()} == {
        **{(r, "open"): 1 for r in recipients},
        **{(r, "click"): 1 for r in recipients},
    }


async def test_an_older_letters_hits_are_recorded_as_before(
    client: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    await _sent(sessionmaker, settings, admin, ["anna"])
    async with sessionmaker() as session:
        anna = await session.scalar(select(MailingRecipient))
    assert anna is not None
    secret = settings.secret_key
    pixel = f"/m/o/{older_token(secret, 'open', str(anna.id))}"
    click = f"/m/c/{older_token(secret, 'click', f'{anna.id}-2')}"
    assert (await client.get(pixel)).status == 200
    answer = await client.get(click, allow_redirects=False)
    assert answer.status == 302 and answer.headers["Location"] == "https://shop.example.ru/sale"
    await client.app[HIT_RECORDER].flush()
    stored = await _events(sessionmaker)
    assert sorted(stored) == [(anna.id, "click"), (anna.id, "open")]
