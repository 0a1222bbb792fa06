"""SMS mailings against a local server speaking SMSC's and Twilio's APIs: the audience by
number (mobile only, consent for that number, unsubscribed numbers), each recipient texted
once in their words, a provider down then up, permanent refusals and STOP, a run that died
mid-send, and delivery read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from callcenter.mailings.audience import count_audience
from callcenter.mailings.delivery import RECIPIENTS
from callcenter.mailings.models import Mailing, MailingRecipient, Suppression
from callcenter.mailings.sender import INTERRUPTED, LEASE, send_mailings
from callcenter.mailings.service import create_mailing, mailing_figures, schedule_mailing
from callcenter.sms.providers import make_provider
from callcenter.sms.status import poll_deliveries
from tests.mailings.support import add_client, mailing_input
from tests.orders.smtp_support import free_port
from tests.sms.provider import provider_server, smsc_settings, twilio_settings

NOON = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
RU = "Здравствуйте, {{ client.name }}! Скидка 20% до пятницы."
EN = "Hello {{ client.name }}, 20% off until Friday {only} for you!"
BOTH = ("smsc", "twilio")


def _config(kind: str, settings: Any, base: str, **more: Any) -> Any:
    return (smsc_settings if kind == "smsc" else twilio_settings)(settings, base, **more)


def _number(n: int) -> str:
    return f"+7916{n:07d}"


async def _mailing(
    sessionmaker: Any, admin: Any, count: int, *, text: str = RU, kind: str = "advertising"
) -> int:
    async with sessionmaker() as session:
        for n in range(count):
            await add_client(session, f"Client {n}", phone=_number(n), consent=True)
    data = mailing_input(channel="sms", kind=kind, body_text=text, subject="", body_html="")
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=data, actor=admin, timezone="Europe/Moscow", rate_cap=60_000
        )
    async with sessionmaker.begin() as session:
        await schedule_mailing(
            session, mailing_id=mailing.id, actor=admin, region="RU", default_zone="Europe/Moscow"
        )
    return mailing.id


async def _rows(sessionmaker: Any, mailing_id: int) -> dict[str, MailingRecipient]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(MailingRecipient).where(MailingRecipient.mailing_id == mailing_id)
        )
        return {r.address: r for r in rows}


async def test_the_sms_audience_leaves_out_each_reason(sessionmaker: Any, make_user: Any) -> None:
    admin = await make_user("admin")
    async with sessionmaker() as session:
        await add_client(session, "Texted", phone="+79161110000", consent=True)
        await add_client(session, "No phone at all", "only@mail.ru", consent=True)
        await add_client(session, "Landline", phone="+74951234567", consent=True)  # Moscow
        await add_client(session, "No consent", phone="+79162220000")
        await add_client(session, "Said STOP", phone="+79163330000", consent=True)
        await add_client(session, "Same phone", phone="+79161110000", consent=True)
        session.add(Suppression(address="+79163330000", reason="unsubscribed"))
        await session.commit()
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(channel="sms", body_text=RU), actor=admin,
            timezone="Europe/Moscow", rate_cap=60_000,
        )  # fmt: skip
        found = await count_audience(session, mailing, author=admin, region="RU")
        assert (mailing.subject, mailing.body_html) == ("", "")  # a text is its plain text
    assert found.total == 6 and found.reached == 1
    assert found.left_out == {"no_number": 1, "not_mobile": 1, "no_consent": 1,
                              "unsubscribed": 1, "duplicate": 1}  # fmt: skip


async def test_a_service_text_needs_no_consent_and_a_mobile_among_landlines_is_chosen(
    sessionmaker: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    async with sessionmaker() as session:
        client = await add_client(session, "Two phones", phone="+74951234567")
        from callcenter.clients.models import ClientPhone

        session.add(ClientPhone(client_id=client.id, number="x", e164="+79165550000", position=1))
        await session.commit()
    async with sessionmaker.begin() as session:
        mailing = await create_mailing(
            session, data=mailing_input(channel="sms", kind="service", body_text=RU),
            actor=admin, timezone="Europe/Moscow", rate_cap=60_000,
        )  # fmt: skip
    async with sessionmaker.begin() as session:
        await schedule_mailing(session, mailing_id=mailing.id, actor=admin, region="RU",
                               default_zone="Europe/Moscow")  # fmt: skip
    assert set(await _rows(sessionmaker, mailing.id)) == {"+79165550000"}


@pytest.mark.parametrize("kind", BOTH)
@pytest.mark.parametrize(("template", "words"), [(RU, "Скидка 20%"), (EN, "20% off until")])
async def test_each_recipient_is_texted_once_in_their_words(
    kind: str, template: str, words: str, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 4, text=template)
    async with provider_server() as (base, server):
        config = _config(kind, settings, base)
        assert await send_mailings(sessionmaker, config, now=NOON) == 4
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(minutes=5)) == 0
    assert sorted(t.to for t in server.taken) == [_number(n) for n in range(4)]
    assert server.texts_to(_number(2)) == [template.split("{{")[0] + "Client 2" +
                                           template.split("}}")[1]]  # fmt: skip
    assert all(words in t.text for t in server.taken)
    rows = await _rows(sessionmaker, mailing_id)
    assert {(r.state, r.provider) for r in rows.values()} == {("sent", kind)}
    assert {r.message_id for r in rows.values()} == {t.message_id for t in server.taken}
    async with sessionmaker() as session:
        assert (await session.get(Mailing, mailing_id)).state == "done"  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", BOTH)
async def test_a_provider_down_then_up_is_retried_with_backoff_then_sent(
    kind: str, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    port = free_port()  # nobody listens here yet
    config = _config(kind, settings, f"http://127.0.0.1:{port}", sms_retry_seconds=60)
    assert await send_mailings(sessionmaker, config, now=NOON) == 0
    rows = await _rows(sessionmaker, mailing_id)
    assert {(r.state, r.attempts, r.handed_at) for r in rows.values()} == {("queued", 1, None)}
    assert {r.next_try_at for r in rows.values()} == {NOON + timedelta(seconds=60)}
    async with provider_server(port=port) as (_base, server):
        server.down = True  # up, but refusing for a while: a passing refusal, backoff doubles
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=60)) == 0
        rows = await _rows(sessionmaker, mailing_id)
        assert {r.next_try_at for r in rows.values()} == {NOON + timedelta(seconds=180)}
        server.down = False
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=90)) == 0
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(seconds=180)) == 3
    assert len(server.taken) == 3
    assert {r.state for r in (await _rows(sessionmaker, mailing_id)).values()} == {"sent"}


@pytest.mark.parametrize("kind", BOTH)
async def test_a_permanent_refusal_fails_with_its_reason_and_stop_suppresses_the_number(
    kind: str, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    async with provider_server() as (base, server):
        server.refuse = {_number(0): "permanent", _number(1): "stop"}
        config = _config(kind, settings, base)
        assert await send_mailings(sessionmaker, config, now=NOON) == 1
        assert await send_mailings(sessionmaker, config, now=NOON + timedelta(hours=1)) == 0
    rows = await _rows(sessionmaker, mailing_id)
    assert [rows[_number(n)].state for n in range(3)] == ["failed", "failed", "sent"]
    assert rows[_number(0)].reason and rows[_number(0)].attempts == 1
    async with sessionmaker() as session:
        suppressed = list(await session.scalars(select(Suppression.address)))
        figures = (await mailing_figures(session, [mailing_id]))[mailing_id]
    assert suppressed == ([_number(1)] if kind == "twilio" else [])  # Twilio's 21610: STOP
    assert figures.of("failed") == 2 and figures.of("bounced") == 0


@pytest.mark.parametrize("kind", BOTH)
async def test_a_run_that_died_resends_only_what_was_never_handed(
    kind: str, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    crash = NOON - timedelta(minutes=1)
    async with sessionmaker.begin() as session:  # a run claimed two, handed one, then died
        await session.execute(update(Mailing).values(state="sending"))
        ids = {r.address: r.id for r in (await _rows(sessionmaker, mailing_id)).values()}
        await session.execute(
            update(MailingRecipient).where(MailingRecipient.id.in_([ids[_number(0)],
                                                                    ids[_number(1)]]))
            .values(state="sending", claimed_at=crash, attempts=1)
        )  # fmt: skip
        await session.execute(
            update(MailingRecipient)
            .where(MailingRecipient.id == ids[_number(1)])
            .values(handed_at=crash)
        )
    async with provider_server() as (base, server):
        config = _config(kind, settings, base)
        assert await send_mailings(sessionmaker, config, now=NOON) == 1  # the lease holds
        assert [t.to for t in server.taken] == [_number(2)]
        later = crash + LEASE + timedelta(seconds=1)
        assert await send_mailings(sessionmaker, config, now=later) == 1
        assert await send_mailings(sessionmaker, config, now=later + timedelta(hours=1)) == 0
    assert sorted(t.to for t in server.taken) == [_number(0), _number(2)]
    rows = await _rows(sessionmaker, mailing_id)
    assert rows[_number(1)].state == "failed" and rows[_number(1)].reason == INTERRUPTED


@pytest.mark.parametrize("kind", BOTH)
async def test_a_line_cut_before_the_answer_is_never_texted_again(
    kind: str, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    async with provider_server() as (base, server):
        server.refuse = {_number(1): "drop"}
        config = _config(kind, settings, base)
        assert await send_mailings(sessionmaker, config, now=NOON) == 1  # 0 taken, 1 cut
        server.refuse.clear()
        for minutes in (1, 10, 60):
            await send_mailings(sessionmaker, config, now=NOON + timedelta(minutes=minutes))
    assert sorted(t.to for t in server.taken) == [_number(0), _number(2)]
    rows = await _rows(sessionmaker, mailing_id)
    assert rows[_number(1)].state == "failed" and rows[_number(1)].reason.startswith(INTERRUPTED)


@pytest.mark.parametrize(
    ("kind", "delivered", "failed"), [("smsc", 1, 22), ("twilio", "delivered", "undelivered")]
)
async def test_polling_moves_sent_texts_to_delivered_or_failed(
    kind: str, delivered: Any, failed: Any, sessionmaker: Any, settings: Any, make_user: Any
) -> None:
    admin = await make_user("admin")
    mailing_id = await _mailing(sessionmaker, admin, 3)
    every = timedelta(seconds=60)
    async with provider_server() as (base, server):
        config = _config(kind, settings, base)
        provider = make_provider(config)
        assert await send_mailings(sessionmaker, config, now=NOON) == 3
        by_number = {t.to: t.message_id for t in server.taken}
        server.statuses[by_number[_number(0)]] = delivered
        server.statuses[by_number[_number(1)]] = failed
        poll = {"tracked": RECIPIENTS, "every": every}
        assert await poll_deliveries(sessionmaker, provider, now=NOON, **poll) == 2  # type: ignore[arg-type]
        assert await poll_deliveries(sessionmaker, provider, now=NOON, **poll) == 0  # type: ignore[arg-type]
        server.statuses[by_number[_number(2)]] = delivered
        asked = server.requests
        later = NOON + every
        assert await poll_deliveries(sessionmaker, provider, now=later, **poll) == 1  # type: ignore[arg-type]
    rows = await _rows(sessionmaker, mailing_id)
    assert [rows[_number(n)].state for n in range(3)] == ["delivered", "failed", "delivered"]
    assert rows[_number(0)].delivered_at == NOON and rows[_number(1)].reason
    assert server.requests == asked  # status asks are not sends
    async with sessionmaker() as session:
        figures = (await mailing_figures(session, [mailing_id]))[mailing_id]
    assert figures.of("delivered") == 2 and figures.as_dict()["delivered"] == 2


def test_an_sms_mailing_needs_its_text_and_no_subject_and_stays_within_ten_parts() -> None:
    from callcenter.mailings.input import MailingInvalid, validate_mailing
    from callcenter.mailings.letters import TemplateInvalid

    def check(**fields: Any) -> Any:
        data = mailing_input(channel="sms", **fields)
        return validate_mailing(data, timezone="Europe/Moscow", rate_cap=600)

    clean = check(subject="", body_html="<p>dropped</p>", body_text=RU, rate_per_minute="600")
    assert clean.values["subject"] == "" and clean.values["body_html"] == ""
    with pytest.raises(MailingInvalid) as caught:
        check(body_text="   ", rate_per_minute="600")
    assert set(caught.value.fields) == {"body_text"}
    with pytest.raises(MailingInvalid) as caught:
        check(body_text="я" * (67 * 10 + 1), rate_per_minute="600")
    assert set(caught.value.fields) == {"body_text"}
    check(body_text="я" * (67 * 10), rate_per_minute="600")  # ten parts exactly
    with pytest.raises(TemplateInvalid) as broken:
        check(body_text="Hi\n{{ client.nmae }}", rate_per_minute="600")
    assert broken.value.problems["body_text"].line == 2
    with pytest.raises(MailingInvalid) as caught:
        check(body_text=RU, rate_per_minute="601")  # the SMS cap, not the e-mail one
    assert set(caught.value.fields) == {"rate_per_minute"}
