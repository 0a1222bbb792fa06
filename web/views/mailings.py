"""Mailing pages: the list, the form (new and edit, with a preview of the typed letter), the
mailing's page (its audience and who is left out by reason, a preview for any recipient, a test
letter, schedule / pause / resume / cancel, the figures), and the no-login unsubscribe page."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from callcenter.clients.lists import list_entries, list_tags
from callcenter.errors import Conflict, DomainError, NotFound
from callcenter.floor.models import QueueRow
from callcenter.i18n import N_
from callcenter.mailings.audience import REASONS, count_audience, sample_clients
from callcenter.mailings.follow_up import FOLLOW_UPS
from callcenter.mailings.input import MailingInput, to_input, validate_mailing
from callcenter.mailings.letters import Letter, TemplateInvalid, preview_context, render_letter
from callcenter.mailings.links import UNSUBSCRIBE, verify
from callcenter.mailings.models import Mailing
from callcenter.mailings.results import mailing_results
from callcenter.mailings.sender import send_test_message
from callcenter.mailings.service import (
    create_mailing,
    get_mailing,
    list_mailings,
    list_recipients,
    mailing_figures,
    recipient_of_link,
    skipped_by_reason,
    unsubscribe,
    update_mailing,
)
from callcenter.mailings.sources import WHO
from callcenter.mailings.terms import KIND_LABELS, RECIPIENT_LABELS, STATE_LABELS
from callcenter.phones import PhoneError, parse_phone
from callcenter.sms.parts import SmsParts, count_parts
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, public, requires
from web.csrf import csrf_exempt
from web.i18n import TIMEZONE, gettext
from web.keys import SESSIONMAKER, SETTINGS
from web.mailing_forms import (
    links_base,
    mailing_from_form,
    move_mailing,
    rate_cap,
    template_errors,
)
from web.values import int_field

STATES = ("draft", "scheduled", "sending", "paused", "cancelled", "done")
LABELS = {
    "state_labels": STATE_LABELS,
    "recipient_labels": RECIPIENT_LABELS,
    "kind_labels": KIND_LABELS,
}


async def _choices(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        return {
            "segments": await list_entries(session, "segment", active_only=True),
            "channels": await list_entries(session, "channel", active_only=True),
            "tags": await list_tags(session),
            "earlier_mailings": [
                m
                for m in await list_mailings(session, actor=current_user(request))
                if m.state != "draft"
            ],
            "who_labels": WHO,
            "rate_cap": request.app[SETTINGS].mailing_email_per_minute,
            "sms_rate_cap": request.app[SETTINGS].mailing_sms_per_minute,
            "sms_ready": request.app[SETTINGS].sms_provider != "off",
            **LABELS,
        }


def _sms_parts(channel: str, letter: Letter | None) -> SmsParts | None:
    """A text message's parts as the previewed recipient gets it (None for e-mail)."""
    if channel != "sms" or letter is None:
        return None
    return count_parts(letter.text.strip())


def _preview_of(form: MailingInput, context: dict[str, Any]) -> tuple[Letter | None, str]:
    try:
        sources = {
            "subject": form.subject,
            "body_html": form.body_html,
            "body_text": form.body_text,
        }
        return render_letter(sources, context), ""
    except TemplateInvalid as exc:
        return None, "; ".join(template_errors(exc, {}).values())


async def _render_form(
    request: web.Request,
    form: MailingInput,
    *,
    mailing: Mailing | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    preview: Letter | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        **(await _choices(request)),
        "form": form,
        "mailing": mailing,
        "errors": errors or {},
        "message": message,
        "preview": preview,
        "sms_parts": _sms_parts(form.channel, preview),
    }
    return aiohttp_jinja2.render_template("mailings/form.html", request, context, status=status)


async def _form_answer(
    request: web.Request, form: MailingInput, mailing: Mailing | None, exc: DomainError
) -> web.Response:
    errors = template_errors(exc, exc.fields)
    return await _render_form(
        request, form, mailing=mailing, errors=errors, message=exc.message, status=exc.status
    )


@requires(Permission.MAILINGS_VIEW)
@aiohttp_jinja2.template("mailings/list.html")
async def mailing_list(request: web.Request) -> dict[str, Any]:
    state = request.query.get("state", "")
    state = state if state in STATES else ""
    async with request.app[SESSIONMAKER]() as session:
        mailings = await list_mailings(session, actor=current_user(request), state=state)
        figures = await mailing_figures(session, [m.id for m in mailings])
    return {"mailings": mailings, "figures": figures, "state": state, "states": STATES, **LABELS}


@requires(Permission.MAILINGS_MANAGE)
async def new_page(request: web.Request) -> web.StreamResponse:
    return await _render_form(request, MailingInput())


async def _typed_preview(
    request: web.Request, form: MailingInput, mailing: Mailing | None
) -> web.Response:
    """The form again with the typed letter shown for a sample recipient, nothing saved."""
    settings = request.app[SETTINGS]
    try:
        validate_mailing(form, timezone=TIMEZONE.get(), rate_cap=rate_cap(settings, form.channel))
    except DomainError as exc:
        return await _form_answer(request, form, mailing, exc)
    async with request.app[SESSIONMAKER]() as session:
        context = await preview_context(session, None, base=links_base(settings))
    letter, _ = _preview_of(form, context)
    return await _render_form(request, form, mailing=mailing, preview=letter)


@requires(Permission.MAILINGS_MANAGE)
async def create(request: web.Request) -> web.StreamResponse:
    post = await request.post()
    form = mailing_from_form(post)
    if post.get("preview"):
        return await _typed_preview(request, form, None)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            mailing = await create_mailing(
                session, data=form, actor=current_user(request), timezone=TIMEZONE.get(),
                rate_cap=rate_cap(request.app[SETTINGS], form.channel),
            )  # fmt: skip
    except DomainError as exc:
        return await _form_answer(request, form, None, exc)
    raise web.HTTPFound(f"/mailings/{mailing.id}")


@requires(Permission.MAILINGS_MANAGE)
async def edit_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    if mailing.state != "draft":
        raise Conflict(N_("Only a draft mailing can be changed"))
    return await _render_form(request, to_input(mailing, TIMEZONE.get()), mailing=mailing)


@requires(Permission.MAILINGS_MANAGE)
async def update(request: web.Request) -> web.StreamResponse:
    actor, mailing_id = current_user(request), int(request.match_info["id"])
    post = await request.post()
    form = mailing_from_form(post)
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(session, mailing_id, actor=actor)
    if post.get("preview"):
        return await _typed_preview(request, form, mailing)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await update_mailing(
                session, mailing_id=mailing_id, data=form, actor=actor, timezone=TIMEZONE.get(),
                rate_cap=rate_cap(request.app[SETTINGS], form.channel),
            )  # fmt: skip
    except DomainError as exc:
        return await _form_answer(request, form, mailing, exc)
    raise web.HTTPFound(f"/mailings/{mailing_id}")


async def render_page(
    request: web.Request, mailing_id: int, *, status: int = 200, **extra: Any
) -> web.Response:
    actor, settings = current_user(request), request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(session, mailing_id, actor=actor)
        author = await session.get(User, mailing.created_by_id or 0) or actor
        draft = mailing.state == "draft"
        audience = left_out = None
        if draft:
            audience = await count_audience(
                session, mailing, author=author, region=settings.default_region
            )
            left_out = audience.left_out
        else:
            left_out = await skipped_by_reason(session, mailing.id)
        samples = await sample_clients(
            session, mailing, author=author, region=settings.default_region
        )
        chosen = int_field(request.query, "client_id")
        known = {client_id for client_id, _, _ in samples}
        chosen = chosen if chosen in known else (samples[0][0] if samples else None)
        context = await preview_context(session, chosen, base=links_base(settings))
        figures = (await mailing_figures(session, [mailing.id]))[mailing.id]
        results = None if draft else await mailing_results(session, mailing)
        queues = [] if draft else list(await session.scalars(select(QueueRow.name).distinct()))
        recipients = [] if draft else await list_recipients(session, mailing, limit=50)
    letter, problem = _preview_of(to_input(mailing, TIMEZONE.get()), context)
    page = {
        "mailing": mailing,
        "audience": audience,
        "left_out": left_out,
        "reasons": REASONS,
        "samples": samples,
        "chosen": chosen,
        "preview": letter,
        "sms_parts": _sms_parts(mailing.channel, letter),
        "preview_problem": problem,
        "figures": figures,
        "results": results,
        "queues": sorted(queues),
        "follow_ups": FOLLOW_UPS,
        "recipients": recipients,
        "message": "",
        "test_address": "",
        "who_labels": WHO,
        "bad_rows": [],
        **LABELS,
        **extra,
    }
    return aiohttp_jinja2.render_template("mailings/page.html", request, page, status=status)


@requires(Permission.MAILINGS_VIEW)
async def show(request: web.Request) -> web.StreamResponse:
    return await render_page(request, int(request.match_info["id"]))


@requires(Permission.MAILINGS_VIEW)
async def figures_fragment(request: web.Request) -> web.StreamResponse:
    """The figures block of the mailing's page alone, for its script to show them moving."""
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        figures = (await mailing_figures(session, [mailing.id]))[mailing.id]
        results = None if mailing.state == "draft" else await mailing_results(session, mailing)
    context = {"mailing": mailing, "figures": figures, "results": results, **LABELS}
    return aiohttp_jinja2.render_template("mailings/figures.html", request, context)


@requires(Permission.MAILINGS_MANAGE)
async def send_test(request: web.Request) -> web.StreamResponse:
    """A test message, as the chosen recipient would get it, to the address (or, for an SMS
    mailing, the number) typed."""
    mailing_id, settings = int(request.match_info["id"]), request.app[SETTINGS]
    post = await request.post()
    async with request.app[SESSIONMAKER]() as session:
        mailing = await get_mailing(session, mailing_id, actor=current_user(request))
    address = _test_address(mailing, str(post.get("address", "")), settings.default_region)
    if not address:
        message = (
            N_("Type the mobile number to send the test text to")
            if mailing.channel == "sms"
            else N_("Type the address to send the test letter to")
        )
        return await render_page(request, mailing_id, message=message, status=422)
    async with request.app[SESSIONMAKER]() as session:
        client_id = int_field(post, "client_id")
        context = await preview_context(session, client_id, base=links_base(settings))
    try:
        error = await send_test_message(settings, mailing=mailing, context=context, to=address)
    except TemplateInvalid as exc:
        error = "; ".join(template_errors(exc, {}).values())
    if error:
        shown = gettext("The test letter was not sent: %(error)s") % {"error": error}
        return await render_page(
            request, mailing_id, message=shown, test_address=address, status=502
        )
    shown = gettext("The test letter went to %(address)s") % {"address": address}
    return await render_page(request, mailing_id, message=shown, test_address=address)


def _test_address(mailing: Mailing, typed: str, region: str) -> str:
    """The address (or E.164 number) a test goes to, "" when what was typed is not one."""
    typed = typed.strip()[:254]
    if mailing.channel == "sms":
        try:
            return parse_phone(typed[:64], region).e164
        except PhoneError:
            return ""
    if "@" not in typed or any(c.isspace() for c in typed) or "\x00" in typed:
        return ""
    return typed


@requires(Permission.MAILINGS_MANAGE)
async def schedule(request: web.Request) -> web.StreamResponse:
    return await _moved(request, "schedule")  # a double click: the first one scheduled it


@requires(Permission.MAILINGS_MANAGE)
async def move(request: web.Request) -> web.StreamResponse:
    return await _moved(request, request.match_info["action"])


async def _moved(request: web.Request, action: str) -> web.StreamResponse:
    mailing_id = int(request.match_info["id"])
    try:
        await move_mailing(request, mailing_id, action)
    except Conflict as exc:
        return await render_page(request, mailing_id, message=exc.message, status=exc.status)
    raise web.HTTPFound(f"/mailings/{mailing_id}")


def _recipient_id(request: web.Request) -> int:
    found = verify(request.app[SETTINGS].secret_key, UNSUBSCRIBE, request.match_info["token"])
    if found is None:
        raise NotFound(N_("Page not found"))
    return found


@public
async def unsubscribe_page(request: web.Request) -> web.StreamResponse:
    """The link in a letter: a page asking to confirm (a mail scanner's GET changes nothing)."""
    recipient_id = _recipient_id(request)
    async with request.app[SESSIONMAKER]() as session:
        recipient = await recipient_of_link(session, recipient_id)
    context = {"address": recipient.address, "done": recipient.unsubscribed_at is not None}
    return aiohttp_jinja2.render_template("mailings/unsubscribe.html", request, context)


@public
@csrf_exempt  # the signed link is the authority: a mail client's one-click POST has no session
async def unsubscribe_now(request: web.Request) -> web.StreamResponse:
    """RFC 8058's one-click POST (``List-Unsubscribe=One-Click``) and the page's button."""
    recipient_id = _recipient_id(request)
    post = await request.post()
    how = "one-click" if post.get("List-Unsubscribe") == "One-Click" else "page"
    async with request.app[SESSIONMAKER].begin() as session:
        recipient = await unsubscribe(session, recipient_id=recipient_id, how=how)
    context = {"address": recipient.address, "done": True}
    return aiohttp_jinja2.render_template("mailings/unsubscribe.html", request, context)
