"""A mailing's letter: its subject and bodies are templates in Jinja2's sandbox, checked when
saved (an error names its line), rendered for each recipient, and built into an e-mail with
the RFC 8058 one-click unsubscribe headers.

Placeholders: ``client.name``, ``client.company``, ``manager.name``, ``last_order.number``,
``last_order.total``, ``last_order.date``, ``unsubscribe_url`` (and ``mailing.name``). A
template is rendered against a sample of every placeholder when saved, with undefined names
refused, so one that saves renders for every recipient: never an error mid-send. An SMS
mailing's message is its plain-text template alone (``render_sms``).
"""

from __future__ import annotations

import functools
import html
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.mail.service import one_line
from callcenter.orders.models import Order
from callcenter.users.models import User

FIELDS = ("subject", "body_html", "body_text")
MAX_OUTPUT = 1_000_000  # characters a rendered body may have
SAMPLE: dict[str, Any] = {
    "client": {"name": "Иван Петров", "company": "ООО «Ромашка»"},
    "manager": {"name": "Анна Смирнова"},
    "last_order": {"number": "2026-000123", "total": "12 500,00", "date": "01.03.2026"},
    "unsubscribe_url": "https://crm.example.ru/u/1.sample",
    "mailing": {"name": "Весенняя распродажа"},
}

MAX_LINK_BYTES = 2000  # a longer link is left as written (and not counted)
# a link in the plain text ends at a space, a quote or an angle bracket; the punctuation
# that ends a sentence after it is not part of it
TEXT_LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
LINK_END = ".,;:!?)]}»"
HTML_LINK = re.compile(r"""(\bhref\s*=\s*)(["'])\s*(https?://[^"']*?)\s*\2""", re.IGNORECASE)
BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

_html = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
_plain = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


@dataclass(frozen=True)
class TemplateProblem:
    line: int
    detail: str  # Jinja's own words (English)


class TemplateInvalid(Invalid):
    """A template does not parse or does not render; ``problems`` names each line."""

    id = "template_invalid"

    def __init__(self, problems: dict[str, TemplateProblem]) -> None:
        fields = {name: N_("The template has an error") for name in problems}
        super().__init__(N_("A template has an error: see the marked fields"), fields=fields)
        self.problems = problems


@dataclass(frozen=True)
class Letter:
    subject: str
    html: str
    text: str


def _env(field: str) -> SandboxedEnvironment:
    return _html if field == "body_html" else _plain


def _line_of(exc: Exception) -> int:
    """The template line an error was raised at (Jinja puts template frames in the trace)."""
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == "<template>" and frame.lineno:
            return frame.lineno
    return 1


@functools.lru_cache(maxsize=64)
def _compiled(field: str, source: str) -> Template:
    """A template compiled once, not once per recipient (compiling is most of a render)."""
    return _env(field).from_string(source)


def _render(field: str, source: str, context: dict[str, Any]) -> str:
    text = _compiled(field, source).render(context)
    if len(text) > MAX_OUTPUT:
        raise TemplateError(f"the text made is longer than {MAX_OUTPUT} characters")
    return one_line(text) if field == "subject" else text


def check_templates(sources: dict[str, str]) -> None:
    """Raise TemplateInvalid naming every template's first error and its line."""
    problems: dict[str, TemplateProblem] = {}
    for field in FIELDS:
        try:
            _render(field, sources.get(field, ""), SAMPLE)
        except Exception as exc:  # the sandbox's SecurityError, a type error, a loop's limit
            problems[field] = TemplateProblem(_line_of(exc), str(exc)[:300] or type(exc).__name__)
    if problems:
        raise TemplateInvalid(problems)


def render_letter(sources: dict[str, str], context: dict[str, Any]) -> Letter:
    """The letter for one recipient (raises TemplateInvalid like ``check_templates``)."""
    made: dict[str, str] = {}
    problems: dict[str, TemplateProblem] = {}
    for field in FIELDS:
        try:
            made[field] = _render(field, sources.get(field, ""), context)
        except Exception as exc:
            problems[field] = TemplateProblem(_line_of(exc), str(exc)[:300] or type(exc).__name__)
    if problems:
        raise TemplateInvalid(problems)
    return Letter(made["subject"], made["body_html"], made["body_text"])


def render_sms(source: str, context: dict[str, Any]) -> str:
    """A text message for one recipient: the plain-text template, its ends trimmed (raises
    TemplateInvalid naming the line, like ``check_templates``)."""
    try:
        return _render("body_text", source, context).strip()
    except Exception as exc:
        problem = TemplateProblem(_line_of(exc), str(exc)[:300] or type(exc).__name__)
        raise TemplateInvalid({"body_text": problem}) from None


def _company_name(client: Client, companies: dict[int, str]) -> str:
    if client.kind == "company":
        return client.name
    return companies.get(client.company_id or 0, "")


async def contexts_for(
    session: AsyncSession, client_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Each client's placeholders (name, company, manager, last order): three queries."""
    ids = list(set(client_ids))
    if not ids:
        return {}
    clients = {c.id: c for c in await session.scalars(select(Client).where(Client.id.in_(ids)))}
    company_ids = {c.company_id for c in clients.values() if c.company_id}
    owner_ids = {c.owner_id for c in clients.values() if c.owner_id}
    companies = dict(
        (
            await session.execute(select(Client.id, Client.name).where(Client.id.in_(company_ids)))
        ).all()
    )
    owners = {u.id: u.display_name for u in await session.scalars(
        select(User).where(User.id.in_(owner_ids))
    )}  # fmt: skip
    orders = {
        o.client_id: o
        for o in await session.scalars(
            select(Order)
            .where(Order.client_id.in_(ids))
            .ext(distinct_on(Order.client_id))
            .order_by(Order.client_id, Order.created_at.desc(), Order.id.desc())
        )
    }
    made = {}
    for client_id, client in clients.items():
        order = orders.get(client_id)
        made[client_id] = {
            "client": {"name": client.name, "company": _company_name(client, companies)},
            "manager": {"name": owners.get(client.owner_id or 0, "")},
            "last_order": {
                "number": order.number if order else "",
                "total": f"{order.total:.2f}" if order else "",
                "date": order.created_at.date().isoformat() if order else "",
            },
        }
    return made


def build_email(
    letter: Letter, *, sender: str, to: str, unsubscribe: str, mailing_id: int
) -> EmailMessage:
    """The e-mail: a plain-text part and (when given) an HTML one, with List-Unsubscribe
    and List-Unsubscribe-Post (RFC 8058: the one-click POST needs no page and no login)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = one_line(to)
    email["Subject"] = letter.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email["List-Unsubscribe"] = f"<{unsubscribe}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["List-Id"] = f"<mailing-{mailing_id}.{sender.rpartition('@')[2] or 'localhost'}>"
    email["Precedence"] = "bulk"
    email.set_content(letter.text or " ")
    if letter.html.strip():
        email.add_alternative(letter.html, subtype="html")
    return email


async def preview_context(
    session: AsyncSession, client_id: int | None, *, base: str
) -> dict[str, Any]:
    """What a preview or a test letter is made for: the client's placeholders (a sample's
    when none is given) and an unsubscribe link that unsubscribes nobody."""
    found = (await contexts_for(session, [client_id])).get(client_id) if client_id else None
    return {**(found or SAMPLE), "unsubscribe_url": f"{base}/u/preview"}


def _text_links(text: str) -> Iterable[tuple[int, int, str]]:
    """(start, end, url) of each http(s) link in plain text."""
    for found in TEXT_LINK.finditer(text):
        url = found.group(0).rstrip(LINK_END)
        yield found.start(), found.start() + len(url), url


def _trackable(url: str, own: tuple[str, ...]) -> bool:
    """Links of our own (the unsubscribe page, the tracking ones) are not counted, nor one
    too long or with a space or a control character in it (no redirect could carry it)."""
    return (
        not url.startswith(own)
        and len(url.encode()) <= MAX_LINK_BYTES
        and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)
    )


def links_of(letter: Letter, *, own: tuple[str, ...]) -> list[str]:
    """The letter's http(s) links that would be tracked, each once, in order of appearance.
    ``own`` are the prefixes of our own links (unsubscribe, tracking): left alone."""
    found = [html.unescape(m.group(3)) for m in HTML_LINK.finditer(letter.html)]
    found += [url for _, _, url in _text_links(letter.text)]
    return [url for url in dict.fromkeys(found) if _trackable(url, own)]


def track_links(
    letter: Letter, *, own: tuple[str, ...], redirect: Callable[[str], str | None], pixel: str
) -> Letter:
    """The letter with every link but our own going through ``redirect(url)`` (None leaves
    it as written) and, when it has an HTML part, the open pixel at the end of its body."""

    def in_html(found: re.Match[str]) -> str:
        url = html.unescape(found.group(3))
        target = redirect(url) if _trackable(url, own) else None
        if target is None:
            return found.group(0)
        return f"{found.group(1)}{found.group(2)}{html.escape(target)}{found.group(2)}"

    parts, at = [], 0
    for start, end, url in _text_links(letter.text):
        target = redirect(url) if _trackable(url, own) else None
        parts += [letter.text[at:start], target or url]
        at = end
    text = "".join(parts) + letter.text[at:]
    body = letter.html
    if body.strip():
        body = HTML_LINK.sub(in_html, body)
        image = f'<img src="{html.escape(pixel)}" width="1" height="1" alt="" style="border:0">'
        closing = list(BODY_END.finditer(body))
        if closing:
            last = closing[-1].start()
            body = body[:last] + image + body[last:]
        else:
            body += image
    return Letter(letter.subject, body, text)
