"""What the mailing pages and the mailing API share: reading a form or a JSON body into a
``MailingInput``, a template error in the user's words, the sending settings, the JSON form,
and moving a mailing on (schedule, pause, resume, cancel) for the request's user."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.mailings.input import MailingInput
from callcenter.mailings.letters import TemplateInvalid
from callcenter.mailings.links import public_base
from callcenter.mailings.models import RECIPIENT_STATES, Mailing, MailingRecipient
from callcenter.mailings.service import (
    AlreadyInState,
    MailingFigures,
    change_state,
    schedule_mailing,
)
from callcenter.settings import Settings
from web.apidoc.describe import (
    CLOCK,
    COUNT,
    ID,
    MOMENT,
    MONEY,
    TEXT,
    Schema,
    array,
    nullable,
    obj,
)
from web.auth import current_user
from web.i18n import gettext
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field, ref

TEXT_FIELDS = (
    "name", "channel", "kind", "subject", "body_html", "body_text", "starts_at",
    "window_from", "window_to", "rate_per_minute", "attribution_days", "reply_days",
)  # fmt: skip
AUDIENCE_REFS = ("segment_id", "channel_id", "tag_id")
_VALUE: Schema = {"type": ["string", "number", "null"]}  # what ``mailing_from_json`` reads
AUDIENCE = obj(
    **{name: nullable(ID) for name in AUDIENCE_REFS},
    kind=nullable(TEXT),
    q=nullable(TEXT),
    from_mailing_id=nullable(ID),
    from_mailing_who=nullable(TEXT),
)
MAILING_BODY = obj(**{name: _VALUE for name in TEXT_FIELDS}, audience=AUDIENCE)
_WHEN = nullable(MOMENT)
STATE_COUNTS = obj(
    ("total",), **{state: COUNT for state in (*RECIPIENT_STATES, "unsubscribed", "total")}
)  # ``MailingFigures.as_dict``
RESULTS = obj(
    ("sent", "opened", "clicked", "orders", "revenue", "links"),
    **{
        name: COUNT
        for name in (
            "sent",
            "delivered",
            "failed",
            "bounced",
            "opened",
            "clicked",
            "unsubscribed",
            "replied_by_call",
            "orders",
        )
    },  # fmt: skip
    revenue=MONEY,
    links=array(obj(("url", "clicks"), number=COUNT, url=TEXT, clicks=COUNT, recipients=COUNT)),
)  # ``MailingResults.as_dict``
MAILING: Schema = obj(
    ("id", "name", "channel", "kind", "state", "audience", "window_from", "window_to"),
    id=ID,
    name=TEXT,
    channel=TEXT,
    kind=TEXT,
    state=TEXT,
    audience=obj(),
    subject=TEXT,
    body_html=TEXT,
    body_text=TEXT,
    starts_at=_WHEN,
    window_from=CLOCK,
    window_to=CLOCK,
    rate_per_minute={"type": "integer"},
    attribution_days={"type": "integer"},
    reply_days={"type": "integer"},
    created_by_id=nullable(ID),
    created_at=_WHEN,
    finished_at=_WHEN,
    figures=STATE_COUNTS,
)
RECIPIENT: Schema = obj(
    ("id", "address", "state"),
    id=ID,
    client_id=nullable(ID),
    name=TEXT,
    address=TEXT,
    state=TEXT,
    reason=nullable(TEXT),
    attempts=COUNT,
    next_try_at=_WHEN,
    sent_at=_WHEN,
    unsubscribed_at=_WHEN,
    first_opened_at=_WHEN,
    first_clicked_at=_WHEN,
)


def mailing_from_form(post: MultiDictProxy[Any]) -> MailingInput:
    values = {name: str(post.get(name, "")) for name in TEXT_FIELDS}
    audience: dict[str, Any] = {name: int_field(post, f"audience_{name}") for name in AUDIENCE_REFS}
    audience["kind"] = str(post.get("audience_kind", ""))
    audience["q"] = str(post.get("audience_q", ""))
    audience["from_mailing_id"] = int_field(post, "audience_from_mailing_id")
    audience["from_mailing_who"] = str(post.get("audience_from_mailing_who", ""))
    return MailingInput(**values, audience=audience)


def mailing_from_json(body: dict[str, Any], base: MailingInput | None = None) -> MailingInput:
    """Absent keys keep ``base``'s values (a new mailing's defaults)."""
    data = base or MailingInput()
    for name in TEXT_FIELDS:
        if name in body:
            value = body[name]
            if isinstance(value, dict | list):
                raise BadRequest(N_("Please correct the marked fields"), fields={name: "text"})
            setattr(data, name, "" if value is None else str(value))
    if "audience" in body:
        given = body["audience"]
        if not isinstance(given, dict):
            raise BadRequest(N_("audience is an object of the client list's filters"))
        audience: dict[str, Any] = {n: ref(given.get(n), f"audience.{n}") for n in AUDIENCE_REFS}
        audience["kind"] = str(given.get("kind") or "")
        audience["q"] = str(given.get("q") or "")
        audience["from_mailing_id"] = ref(given.get("from_mailing_id"), "audience.from_mailing_id")
        audience["from_mailing_who"] = str(given.get("from_mailing_who") or "")
        data.audience = audience
    return data


def template_errors(exc: Exception, fields: dict[str, str]) -> dict[str, str]:
    """Each field's error in the user's language; a template's names its line."""
    shown = {name: gettext(text) for name, text in fields.items()}
    if isinstance(exc, TemplateInvalid):
        for name, problem in exc.problems.items():
            shown[name] = gettext("Line %(line)s: %(error)s") % {
                "line": problem.line,
                "error": problem.detail,
            }
    return shown


def rate_cap(settings: Settings, channel: str) -> int:
    """The admin's cap per minute for the channel a mailing is written for."""
    return (
        settings.mailing_sms_per_minute if channel == "sms" else settings.mailing_email_per_minute
    )


def links_base(settings: Settings) -> str:
    return public_base(settings.public_url, settings.http_host, settings.http_port)


def mailing_json(mailing: Mailing, figures: MailingFigures | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": mailing.id,
        "name": mailing.name,
        "channel": mailing.channel,
        "kind": mailing.kind,
        "state": mailing.state,
        "audience": mailing.audience,
        "subject": mailing.subject,
        "body_html": mailing.body_html,
        "body_text": mailing.body_text,
        "starts_at": mailing.starts_at.isoformat() if mailing.starts_at else None,
        "window_from": mailing.window_from.strftime("%H:%M"),
        "window_to": mailing.window_to.strftime("%H:%M"),
        "rate_per_minute": mailing.rate_per_minute,
        "attribution_days": mailing.attribution_days,
        "reply_days": mailing.reply_days,
        "created_by_id": mailing.created_by_id,
        "created_at": mailing.created_at.isoformat() if mailing.created_at else None,
        "finished_at": mailing.finished_at.isoformat() if mailing.finished_at else None,
    }
    if figures is not None:
        body["figures"] = figures.as_dict()
    return body


def recipient_json(recipient: MailingRecipient) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": recipient.id,
        "client_id": recipient.client_id,
        "name": recipient.name,
        "address": recipient.address,
        "state": recipient.state,
        "reason": recipient.reason,
        "attempts": recipient.attempts,
        "next_try_at": when(recipient.next_try_at),
        "sent_at": when(recipient.sent_at),
        "unsubscribed_at": when(recipient.unsubscribed_at),
        "first_opened_at": when(recipient.first_opened_at),
        "first_clicked_at": when(recipient.first_clicked_at),
    }


async def move_mailing(request: web.Request, mailing_id: int, action: str) -> None:
    """``schedule``, ``pause``, ``resume`` or ``cancel`` the mailing as the request's user. A
    mailing already in that state (a double click, a retried request) is left as it is:
    the first request did it, once (the row is locked)."""
    settings = request.app[SETTINGS]
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            if action == "schedule":
                await schedule_mailing(
                    session, mailing_id=mailing_id, actor=current_user(request),
                    region=settings.default_region, default_zone=settings.default_timezone,
                )  # fmt: skip
            else:
                await change_state(
                    session, mailing_id=mailing_id, action=action, actor=current_user(request)
                )
    except AlreadyInState:
        pass
