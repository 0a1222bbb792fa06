"""Templates in the sandbox: an error names its line when saved; placeholders are filled from
the client, their company, manager and last order; the sandbox refuses unsafe access."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.clients.models import Client
from callcenter.mailings.input import MailingInvalid, validate_mailing
from callcenter.mailings.letters import (
    TemplateInvalid,
    build_email,
    check_templates,
    contexts_for,
    render_letter,
)
from callcenter.users.models import User
from tests.mailings.support import mailing_input


def _error(**fields: str) -> TemplateInvalid:
    with pytest.raises(TemplateInvalid) as caught:
        validate_mailing(mailing_input(**fields), timezone="Europe/Moscow", rate_cap=6000)
    return caught.value


def test_a_syntax_error_names_its_line() -> None:
    error = _error(body_text="Hello\n{{ unsubscribe_url }}\n\nDear {{ client.name }")
    assert error.problems["body_text"].line == 4
    assert "body_text" in error.fields


def test_an_unknown_placeholder_names_its_line_at_save_time() -> None:
    error = _error(body_html="<p>Hi</p>\n<p>{{ clinet.name }}</p>\n{{ unsubscribe_url }}")
    assert error.problems["body_html"].line == 2
    assert "clinet" in error.problems["body_html"].detail


@pytest.mark.parametrize(
    "source",
    [
        "{{ client.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ client.name.format.__globals__ }}",
        "{% for i in range(10**9) %}x{% endfor %}",
    ],
)
def test_the_sandbox_refuses_unsafe_templates(source: str) -> None:
    with pytest.raises(TemplateInvalid):
        check_templates({"subject": "s", "body_text": source, "body_html": ""})


def test_a_letter_without_its_unsubscribe_link_is_refused() -> None:
    with pytest.raises(MailingInvalid) as caught:
        validate_mailing(
            mailing_input(body_text="Hello {{ client.name }}"),
            timezone="Europe/Moscow",
            rate_cap=6000,
        )
    assert "body_text" in caught.value.fields


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("subject", "  "),
        ("channel", "pigeon"),
        ("kind", "spam"),
        ("window_from", "25:00"),
        ("window_to", "09:00"),
        ("starts_at", "0001-01-01T00:00"),
        ("starts_at", "tomorrow"),
        ("rate_per_minute", "0"),
        ("rate_per_minute", "99999999999999999999"),
        ("body_text", "a\x00b {{ unsubscribe_url }}"),
    ],
)
def test_bad_values_are_named(field: str, value: str) -> None:
    fields = {"window_from": "09:00", field: value}
    with pytest.raises((MailingInvalid, TemplateInvalid)) as caught:
        validate_mailing(mailing_input(**fields), timezone="Europe/Moscow", rate_cap=6000)
    assert field in caught.value.fields


def test_html_is_escaped_and_text_is_not() -> None:
    letter = render_letter(
        {
            "subject": "{{ client.name }}",
            "body_html": "<b>{{ client.name }}</b>",
            "body_text": "{{ client.name }}",
        },  # fmt: skip
        {"client": {"name": "<Tom & Jerry>\nBcc: x@y"}},
    )
    assert letter.html == "<b>&lt;Tom &amp; Jerry&gt;\nBcc: x@y</b>"
    assert letter.text == "<Tom & Jerry>\nBcc: x@y"
    assert letter.subject == "<Tom & Jerry> Bcc: x@y"  # no header can be slipped in


async def test_placeholders_come_from_the_client_company_manager_and_last_order(
    db_session: Any, make_user: Any
) -> None:
    manager: User = await make_user("manager", full_name="Анна Смирнова")
    company = Client(kind="company", name="ООО «Ромашка»")
    db_session.add(company)
    await db_session.flush()
    person = Client(kind="person", name="Иван", company_id=company.id, owner_id=manager.id)
    db_session.add(person)
    await db_session.commit()
    contexts = await contexts_for(db_session, [person.id, company.id])
    assert contexts[person.id]["client"] == {"name": "Иван", "company": "ООО «Ромашка»"}
    assert contexts[person.id]["manager"] == {"name": "Анна Смирнова"}
    assert contexts[person.id]["last_order"]["number"] == ""
    assert contexts[company.id]["client"]["company"] == "ООО «Ромашка»"


def test_the_email_carries_the_rfc_8058_headers_and_both_parts() -> None:
    letter = render_letter(
        {"subject": "Hi", "body_html": "<p>Hi</p>", "body_text": "Hi"}, {"client": {}}
    )
    email = build_email(
        letter, sender="shop@example.ru", to="a@example.ru", unsubscribe="https://x/u/1.a",
        mailing_id=7,
    )  # fmt: skip
    assert email["List-Unsubscribe"] == "<https://x/u/1.a>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in email.iter_parts()] == ["text/plain", "text/html"]
