"""E-mailing an invoice to its client from the invoice page and the client card: the letter
proposed in Russian, the address among the client's own, the PDF arriving as an attachment
at a real SMTP server, the e-mail's state on the invoice page, refusals and roles."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import ClientEmail
from callcenter.invoices.service import cancel_invoice, issue_invoice
from callcenter.mail.models import OutboxMessage
from callcenter.mail.sender import deliver_outbox
from tests.conftest import sign_in
from tests.invoices.support import set_up_company
from tests.orders.smtp_support import Mailbox, smtp_server


@pytest.fixture
async def billed(sessionmaker: Any, make_user: Any, make_client: Any, make_order: Any) -> Any:
    """A manager's client with two addresses, and an invoice for the client's order."""
    admin, manager = await make_user("admin"), await make_user("manager")
    async with sessionmaker() as session:
        await set_up_company(session, admin)
    person = await make_client("Смирнова Анна", email="anna@example.ru", owner_id=manager.id)
    async with sessionmaker.begin() as session:
        session.add(ClientEmail(client_id=person.id, email="buh@example.ru", position=1))
    order = await make_order(manager, person, lines=[("Монтаж системы", "1", "12200")])
    async with sessionmaker.begin() as session:
        invoice = await issue_invoice(
            session, client_id=None, lines=None, order_id=order.id, by=manager
        )
    return manager, person, invoice


def _smtp(settings: Any, port: int) -> Any:
    return replace(
        settings, smtp_host="127.0.0.1", smtp_port=port, smtp_from="crm@example.ru",
        smtp_starttls=False,
    )  # fmt: skip


async def test_the_invoice_goes_with_its_pdf_to_the_chosen_address(
    client: Any, billed: Any, sessionmaker: Any, settings: Any
) -> None:
    manager, _person, invoice = billed
    csrf = await sign_in(client, manager)
    url = f"/invoices/{invoice.id}"
    assert f"{url}/email" in await (await client.get(url)).text()
    form = await (await client.get(f"{url}/email")).text()
    subject = f"Счёт на оплату № {invoice.number} от "
    assert subject in form and "Здравствуйте, Смирнова Анна!" in form
    assert "на сумму 12\xa0200,00 руб. Счёт — во вложении." in form
    assert '<option value="anna@example.ru" selected>' in form and "buh@example.ru" in form
    sent = await client.post(
        f"{url}/email",
        data={
            "csrf_token": csrf,
            "to": "buh@example.ru",
            "subject": "Счёт за монтаж",
            "body": "Добрый день!\nСчёт во вложении.",
        },
        allow_redirects=False,
    )
    assert (sent.status, sent.headers["Location"]) == (302, url)
    page = await (await client.get(url)).text()
    assert "Счёт за монтаж" in page and 'data-state="queued"' in page
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        assert await deliver_outbox(sessionmaker, _smtp(settings, port)) == 1
    (email,) = mailbox.received
    assert (email["To"], email["Subject"]) == ("buh@example.ru", "Счёт за монтаж")
    assert "Счёт во вложении." in email.get_body().get_content()
    (attachment,) = list(email.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"invoice-{invoice.year}-{invoice.number}.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert 'data-state="sent"' in await (await client.get(url)).text()


async def test_from_the_client_card_the_form_returns_to_the_card(
    client: Any, billed: Any, sessionmaker: Any
) -> None:
    manager, person, invoice = billed
    csrf = await sign_in(client, manager)
    card = await (await client.get(f"/clients/{person.id}")).text()
    link = f"/invoices/{invoice.id}/email?next=/clients/{person.id}"
    assert link in card
    assert f'name="next" value="/clients/{person.id}"' in await (await client.get(link)).text()
    for back, expected in ((f"/clients/{person.id}", f"/clients/{person.id}"),
                           ("//evil.example/", f"/invoices/{invoice.id}")):  # fmt: skip
        sent = await client.post(
            f"/invoices/{invoice.id}/email",
            data={
                "csrf_token": csrf,
                "to": "anna@example.ru",
                "subject": "Счёт",
                "body": "Во вложении.",
                "next": back,
            },  # fmt: skip
            allow_redirects=False,
        )
        assert (sent.status, sent.headers["Location"]) == (302, expected)
    async with sessionmaker() as session:
        about = list(await session.scalars(select(OutboxMessage.entity_id)))
    assert about == [invoice.id, invoice.id]


async def test_a_wrong_letter_is_refused_by_its_field_and_keeps_what_was_typed(
    client: Any, billed: Any, sessionmaker: Any
) -> None:
    manager, _person, invoice = billed
    csrf = await sign_in(client, manager)
    refused = await client.post(
        f"/invoices/{invoice.id}/email",
        data={
            "csrf_token": csrf,
            "to": "stranger@example.ru",
            "subject": " ",
            "body": "Мой текст",
        },  # fmt: skip
    )
    assert refused.status == 422
    page = await refused.text()
    assert 'id="err-to"' in page and 'id="err-subject"' in page and "Мой текст" in page
    no_csrf = await client.post(f"/invoices/{invoice.id}/email", data={"to": "anna@example.ru"})
    assert no_csrf.status == 403
    async with sessionmaker.begin() as session:
        await cancel_invoice(session, invoice_id=invoice.id, by=manager)
    cancelled = await client.post(
        f"/invoices/{invoice.id}/email",
        data={"csrf_token": csrf, "to": "anna@example.ru", "subject": "С", "body": "Т"},
    )
    assert cancelled.status == 409
    async with sessionmaker() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []


async def test_only_those_who_bill_the_client_send_its_invoices(
    api_as: Any, billed: Any, make_user: Any
) -> None:
    manager, _person, invoice = billed
    for role in ("manager", "supervisor", "operator"):
        api, _user = await api_as(role)
        assert (await api.post(f"/api/v1/invoices/{invoice.id}/email", json={})).status == 403
        assert (await api.get(f"/invoices/{invoice.id}/email")).status == 403
    api, _admin = await api_as("admin")
    sent = await api.post(f"/api/v1/invoices/{invoice.id}/email", json={})
    assert sent.status == 201, await sent.text()
    message = await sent.json()
    assert (message["to"], message["state"]) == ("anna@example.ru", "queued")
    assert message["subject"].startswith(f"Счёт на оплату № {invoice.number} от ")
    listed = await (await api.get(f"/api/v1/invoices/{invoice.id}/emails")).json()
    assert [m["id"] for m in listed["items"]] == [message["id"]]
    api, _supervisor = await api_as("supervisor")
    assert (await api.get(f"/api/v1/invoices/{invoice.id}/emails")).status == 200
