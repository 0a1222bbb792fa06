"""A mailing as a form or the API gives it (text as typed), checked into the model's values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.dialer.campaign_input import read_clock
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.limits import DUE_OUT_OF_RANGE, NUL_IN_TEXT, sane_due
from callcenter.mailings.letters import (
    FIELDS,
    SAMPLE,
    TemplateInvalid,
    TemplateProblem,
    check_templates,
    render_sms,
)
from callcenter.mailings.models import CHANNELS, KINDS
from callcenter.mailings.sources import WHO
from callcenter.sms.parts import count_parts

MAX_TEMPLATE = 200_000  # characters of one template
MAX_DAYS = 90  # the longest attribution or reply window
UNSUBSCRIBE_PLACEHOLDER = "unsubscribe_url"
MAX_SMS_PARTS = 10  # a text longer than this (for the sample recipient) is a letter, not an SMS


class MailingInvalid(Invalid):
    id = "mailing_invalid"


@dataclass
class MailingInput:
    name: str = ""
    channel: str = "email"
    kind: str = "advertising"
    audience: dict[str, Any] = field(default_factory=dict)  # the client list's filters
    subject: str = ""
    body_html: str = ""
    body_text: str = ""
    starts_at: str = ""  # "2026-03-01T10:00" in the author's time zone; "" for at once
    window_from: str = "09:00"
    window_to: str = "21:00"
    rate_per_minute: str = "60"
    attribution_days: str = "7"  # orders this many days after an open or click are its
    reply_days: str = "3"  # an inbound call this many days after the letter is a reply


@dataclass(frozen=True)
class CleanMailing:
    values: dict[str, Any]


def _starts_at(errors: dict[str, str], text: str, timezone: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        errors["starts_at"] = N_("When to send: a date and time, or empty for at once")
        return None
    if not sane_due(value.replace(tzinfo=UTC)):  # before any offset: year 1 has none to spare
        errors["starts_at"] = DUE_OUT_OF_RANGE
        return None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(timezone))


def _rate(errors: dict[str, str], text: str, cap: int) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits[:12]) <= cap:
        errors["rate_per_minute"] = N_("Messages a minute: from 1 to the cap the admin set")
        return 1
    return int(digits)


def _days(errors: dict[str, str], name: str, text: str, default: int) -> int:
    """A window in days: 1 to 90, the default when left empty."""
    digits = text.strip()
    if not digits:
        return default
    if not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits[:12]) <= MAX_DAYS:
        errors[name] = N_("Days: a whole number from 1 to 90")
        return 1
    return int(digits)


def _audience(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in ("segment_id", "channel_id", "tag_id"):
        value = data.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**31:
            clean[name] = value
    if data.get("kind") in ("person", "company"):
        clean["kind"] = data["kind"]
    q = str(data.get("q") or "").strip()[:200]
    if q:
        clean["q"] = q
    earlier, who = data.get("from_mailing_id"), data.get("from_mailing_who")
    if isinstance(earlier, int) and not isinstance(earlier, bool) and 1 <= earlier < 2**31:
        clean.update(from_mailing_id=earlier, from_mailing_who=who if who in WHO else "clicked")
    return clean


def _texts(errors: dict[str, str], data: MailingInput) -> None:
    for name in ("name", *FIELDS):
        value = getattr(data, name)
        if "\x00" in value:
            errors[name] = NUL_IN_TEXT
        elif len(value) > MAX_TEMPLATE:
            errors[name] = N_("The text is too long")
    if not data.name.strip() or len(data.name.strip()) > 200:
        errors.setdefault("name", N_("Name the mailing (up to 200 characters)"))
    if data.channel == "sms":
        if not data.body_text.strip():
            errors.setdefault("body_text", N_("Write the text message"))
        return
    if not data.subject.strip():
        errors.setdefault("subject", N_("Write the subject"))
    if not data.body_text.strip():
        errors.setdefault("body_text", N_("Write the plain-text letter (the HTML one is optional)"))


def _sms_length(errors: dict[str, str], data: MailingInput) -> None:
    """A text as the sample recipient gets it fits in ``MAX_SMS_PARTS`` parts."""
    if "body_text" in errors:
        return
    parts = count_parts(render_sms(data.body_text, SAMPLE))
    if parts.parts > MAX_SMS_PARTS:
        errors["body_text"] = N_("The text message is too long: at most 10 SMS parts")


def _unsubscribe_link(errors: dict[str, str], data: MailingInput) -> None:
    """Every letter carries the recipient's own unsubscribe link (a service one too); a text
    message may (a link costs a third of an SMS), and its recipient can also text STOP."""
    if data.channel == "sms":
        return
    for name in ("body_text", "body_html"):
        body = getattr(data, name)
        if body.strip() and UNSUBSCRIBE_PLACEHOLDER not in body and name not in errors:
            errors[name] = N_("Put the unsubscribe link {{ unsubscribe_url }} in the letter")


def validate_mailing(data: MailingInput, *, timezone: str, rate_cap: int) -> CleanMailing:
    errors: dict[str, str] = {}
    _texts(errors, data)
    if data.channel not in CHANNELS:
        errors["channel"] = N_("Choose the channel")
    elif data.channel == "sms":
        data.subject, data.body_html = "", ""  # a text message is its plain text alone
    if data.kind not in KINDS:
        errors["kind"] = N_("Choose advertising or service")
    window_from = read_clock(errors, "window_from", data.window_from)
    window_to = read_clock(errors, "window_to", data.window_to)
    if "window_from" not in errors and window_from == window_to:
        errors["window_to"] = N_("The window must not end when it starts")
    starts_at = _starts_at(errors, data.starts_at, timezone)
    rate = _rate(errors, data.rate_per_minute, rate_cap)
    attribution_days = _days(errors, "attribution_days", data.attribution_days, 7)
    reply_days = _days(errors, "reply_days", data.reply_days, 3)
    problems: dict[str, TemplateProblem] = {}
    if not any(name in errors for name in FIELDS):
        try:
            check_templates({name: getattr(data, name) for name in FIELDS})
        except TemplateInvalid as exc:
            problems = exc.problems
        _unsubscribe_link(errors, data)
        if data.channel == "sms" and not problems:
            _sms_length(errors, data)
    if problems:
        invalid = TemplateInvalid(problems)
        invalid.fields = {**errors, **invalid.fields}
        raise invalid
    if errors:
        raise MailingInvalid(N_("Please correct the marked fields"), fields=errors)
    return CleanMailing(
        {
            "name": data.name.strip(),
            "channel": data.channel,
            "kind": data.kind,
            "audience": _audience(data.audience),
            "subject": data.subject,
            "body_html": data.body_html,
            "body_text": data.body_text,
            "starts_at": starts_at,
            "window_from": window_from,
            "window_to": window_to,
            "rate_per_minute": rate,
            "attribution_days": attribution_days,
            "reply_days": reply_days,
        }
    )


def to_input(mailing: Any, timezone: str) -> MailingInput:
    starts = mailing.starts_at.astimezone(ZoneInfo(timezone)) if mailing.starts_at else None
    return MailingInput(
        name=mailing.name,
        channel=mailing.channel,
        kind=mailing.kind,
        audience=dict(mailing.audience or {}),
        subject=mailing.subject,
        body_html=mailing.body_html,
        body_text=mailing.body_text,
        starts_at=starts.strftime("%Y-%m-%dT%H:%M") if starts else "",
        window_from=mailing.window_from.strftime("%H:%M"),
        window_to=mailing.window_to.strftime("%H:%M"),
        rate_per_minute=str(mailing.rate_per_minute),
        attribution_days=str(mailing.attribution_days),
        reply_days=str(mailing.reply_days),
    )
