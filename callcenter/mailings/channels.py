"""What differs between sending a mailing by e-mail and by SMS, behind one shape the sender
drives: make a recipient's message, open the way out, hand a batch of messages over in order
and say how each went (a ``Delivery``), close; plus each channel's cap per minute, retries,
and what a permanent refusal means (an e-mail address bounced and suppressed; a number
failed).

E-mail goes over one SMTP connection per run (smtplib), a batch at a time in one worker
thread, written straight as bytes (``wire.py``); a server that cannot be reached fails the
whole batch as passing, a line dropped mid-message leaves its outcome unknown. SMS goes to
the provider's HTTP API one message per request. A batch stops at the first message whose
answer was lost or whose way out is down: the ones after it were never tried.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker

from callcenter.mail.sender import classify_error, connect
from callcenter.mailings.letters import (
    Letter,
    TemplateInvalid,
    build_email,
    render_letter,
    render_sms,
)
from callcenter.mailings.links import public_base, unsubscribe_url
from callcenter.mailings.models import Mailing
from callcenter.mailings.tracking import number_links, tracked_letter, urls_to_number
from callcenter.mailings.wire import Wire, wire_email
from callcenter.settings import Settings
from callcenter.sms.gateway import Delivery, Provider
from callcenter.sms.providers import make_provider

DISCONNECTED = "disconnected"


@dataclass
class Claimed:
    recipient_id: int
    client_id: int | None
    address: str
    attempts: int


@dataclass(frozen=True)
class Rendered:
    """A recipient's letter, rendered; it becomes an e-mail once its links are numbered."""

    letter: Letter
    unsubscribe: str


@dataclass(frozen=True)
class Unmade:
    """A recipient's message could not be made (a template error): it fails alone."""

    reason: str


Made = list[tuple[Claimed, Any]]  # each claimed recipient with its message (or Unmade)


class Channel(Protocol):
    name: str
    settings: Settings
    provider: str  # who takes the messages ("smtp", "smsc", "twilio")
    per_minute: int  # the admin's cap over every mailing of the channel
    max_attempts: int
    retry_seconds: int
    permanent_state: str  # a recipient's state after a permanent refusal
    suppress_permanent: bool  # a permanent refusal suppresses the address for good

    def make(self, mailing: Mailing, item: Claimed, context: dict[str, Any]) -> Any: ...

    async def finish(
        self, sessionmaker: async_sessionmaker | None, mailing: Mailing, made: Made
    ) -> Made: ...  # what the batch needs from the database (e-mail: its links numbered)

    async def open(self) -> str: ...  # "" when ready, else why not (passing)

    async def send_many(self, messages: list[Any]) -> list[Delivery]: ...  # those tried

    async def close(self) -> None: ...


def _problems(exc: TemplateInvalid) -> str:
    return "; ".join(f"{f}: line {p.line}: {p.detail}" for f, p in exc.problems.items())


def _link(channel: EmailChannel | SmsChannel, item: Claimed, context: dict[str, Any]) -> str:
    """The recipient's own unsubscribe link (a test message keeps its preview's, which
    unsubscribes nobody)."""
    given = context.get("unsubscribe_url")
    if given:
        return str(given)
    return unsubscribe_url(channel.base, channel.settings.secret_key, item.recipient_id)


def _context(mailing: Mailing, context: dict[str, Any], link: str) -> dict[str, Any]:
    return {**context, "unsubscribe_url": link, "mailing": {"name": mailing.name}}


class EmailChannel:
    name, provider = "email", "smtp"
    permanent_state, suppress_permanent = "bounced", True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.per_minute = settings.mailing_email_per_minute
        self.max_attempts, self.retry_seconds = (
            settings.smtp_max_attempts,
            settings.smtp_retry_seconds,
        )
        self.base = public_base(settings.public_url, settings.http_host, settings.http_port)
        self.smtp: smtplib.SMTP | None = None

    def make(self, mailing: Mailing, item: Claimed, context: dict[str, Any]) -> Any:
        link = _link(self, item, context)
        sources = {"subject": mailing.subject, "body_html": mailing.body_html,
                   "body_text": mailing.body_text}  # fmt: skip
        try:
            return Rendered(render_letter(sources, _context(mailing, context, link)), link)
        except TemplateInvalid as exc:
            return Unmade(_problems(exc))

    async def finish(
        self, sessionmaker: async_sessionmaker | None, mailing: Mailing, made: Made
    ) -> Made:
        """The e-mails, their links numbered once per mailing and tracked per recipient
        (``sessionmaker`` None: a test letter, sent as written: it tracks nobody)."""
        numbers: dict[str, int] = {}
        if sessionmaker is not None:
            letters = [m.letter for _, m in made if isinstance(m, Rendered)]
            async with sessionmaker.begin() as session:
                numbers = await number_links(
                    session, mailing.id, urls_to_number(letters, self.base)
                )
        return [(item, self._email(mailing, item, m, numbers, sessionmaker is not None))
                for item, m in made]  # fmt: skip

    def _email(
        self, mailing: Mailing, item: Claimed, made: Any, numbers: dict[str, int], tracked: bool
    ) -> Any:
        if not isinstance(made, Rendered):
            return made
        letter = made.letter
        if tracked:
            letter = tracked_letter(letter, numbers=numbers, base=self.base,
                                    secret=self.settings.secret_key, mailing_id=mailing.id,
                                    recipient_id=item.recipient_id)  # fmt: skip
        sender, to, link = self.settings.smtp_from, item.address, made.unsubscribe
        return wire_email(
            letter, sender=sender, to=to, unsubscribe=link, mailing_id=mailing.id
        ) or build_email(letter, sender=sender, to=to, unsubscribe=link, mailing_id=mailing.id)

    async def open(self) -> str:
        try:
            self.smtp = await asyncio.to_thread(open_smtp, self.settings)
        except (OSError, smtplib.SMTPException) as exc:
            return f"cannot reach {self.settings.smtp_host}:{self.settings.smtp_port}: {exc}"
        return ""

    async def send_many(self, messages: list[Any]) -> list[Delivery]:
        assert self.smtp is not None
        return await asyncio.to_thread(send_emails, self.smtp, messages)

    async def close(self) -> None:
        if self.smtp is not None:
            await asyncio.to_thread(close_smtp, self.smtp)
            self.smtp = None


class SmsChannel:
    name = "sms"
    permanent_state, suppress_permanent = "failed", False

    def __init__(self, settings: Settings, provider: Provider) -> None:
        self.settings, self.gateway = settings, provider
        self.provider = provider.name
        self.per_minute = settings.mailing_sms_per_minute
        self.max_attempts, self.retry_seconds = (
            settings.sms_max_attempts,
            settings.sms_retry_seconds,
        )
        self.base = public_base(settings.public_url, settings.http_host, settings.http_port)

    def make(self, mailing: Mailing, item: Claimed, context: dict[str, Any]) -> Any:
        link = _link(self, item, context)
        try:
            text = render_sms(mailing.body_text, _context(mailing, context, link))
        except TemplateInvalid as exc:
            return Unmade(_problems(exc))
        return (item.address, text, item.recipient_id)

    async def finish(
        self, sessionmaker: async_sessionmaker | None, mailing: Mailing, made: Made
    ) -> Made:
        return made  # a text's links are not rewritten

    async def open(self) -> str:
        return ""

    async def send_many(self, messages: list[Any]) -> list[Delivery]:
        outcomes = []
        for to, text, reference in messages:
            outcomes.append(await self.gateway.send(to, text, reference=reference))
            if outcomes[-1].uncertain or outcomes[-1].unreachable:
                break
        return outcomes

    async def close(self) -> None:
        return None


def channels_of(settings: Settings) -> dict[str, Channel]:
    """The channels this installation can send by now."""
    found: dict[str, Channel] = {}
    if settings.smtp_host:
        found["email"] = EmailChannel(settings)
    provider = make_provider(settings)
    if provider is not None:
        found["sms"] = SmsChannel(settings, provider)
    return found


def open_smtp(settings: Settings) -> smtplib.SMTP:
    smtp = connect(settings)
    try:
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        close_smtp(smtp)
        raise
    return smtp


def close_smtp(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def send_emails(smtp: smtplib.SMTP, emails: list[Wire | EmailMessage]) -> list[Delivery]:
    """Hand the e-mails over in order on the one connection, stopping after one whose answer
    was lost (blocking: for a worker thread)."""
    outcomes = []
    for email in emails:
        outcomes.append(send_email(smtp, email))
        if outcomes[-1].uncertain:
            break
    return outcomes


def send_email(smtp: smtplib.SMTP, email: Wire | EmailMessage) -> Delivery:
    try:
        if isinstance(email, Wire):
            smtp.sendmail(email.sender, [email.to], email.data)
        else:
            smtp.send_message(email)
    except smtplib.SMTPServerDisconnected as exc:
        return Delivery(error=f"{DISCONNECTED}: {exc}", uncertain=True)
    except (OSError, smtplib.SMTPException) as exc:
        permanent, error = classify_error(exc)
        return Delivery(error=error, permanent=permanent)
    return Delivery()
