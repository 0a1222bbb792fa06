"""Campaign pages: the list, the form (new and edit), the campaign's page with its live
figures, and start / pause / resume / stop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.names import audit_names
from callcenter.audit.service import list_history
from callcenter.clients.lists import list_entries, list_tags
from callcenter.dialer.campaign_dnc import list_campaign_dnc
from callcenter.dialer.campaign_input import (
    DISPOSITION_KINDS,
    RETRY_OUTCOMES,
    CampaignInput,
    CampaignInvalid,
    DispositionInput,
    RetryInput,
)
from callcenter.dialer.campaigns import (
    EDITABLE_STATES,
    AlreadyInState,
    change_state,
    create_campaign,
    get_campaign,
    list_campaigns,
    to_input,
    update_campaign,
)
from callcenter.dialer.contacts import ContactReport, ContactsInvalid, add_contacts
from callcenter.dialer.figures import campaign_figures, progress_of
from callcenter.dialer.idle import Idle, campaign_idle
from callcenter.dialer.models import MODES, CampaignContact
from callcenter.dialer.terms import (
    CONTACT_STATE_LABELS,
    DISPOSITION_KIND_LABELS,
    OUTCOME_LABELS,
)
from callcenter.dialer.wrapup import dispositions_of
from callcenter.errors import Conflict, DomainError
from callcenter.floor.models import QueueRow
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.i18n import gettext
from web.keys import SESSIONMAKER, SETTINGS, UPLOAD_READERS
from web.values import parse_int
from web.views.campaign_contacts import ContactSource, contacts_of_source, source_form

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
BLANK_DISPOSITIONS = 3  # empty rows the form offers for new dispositions


def default_input() -> CampaignInput:
    """A new campaign's form: the usual dispositions, named in the manager's language."""
    return CampaignInput(
        dispositions=[
            DispositionInput("sale", gettext("Sale"), "success"),
            DispositionInput("callback", gettext("Call back later"), "callback"),
            DispositionInput("refusal", gettext("Refused"), "refusal"),
            DispositionInput("wrong_number", gettext("Wrong number"), "other"),
        ],
        refusal_reasons="\n".join(
            gettext(r) for r in (N_("Too expensive"), N_("Not interested"), N_("Already has it"))
        ),
    )


def _retry_of(post: MultiDictProxy[Any], outcome: str) -> RetryInput:
    return RetryInput(
        str(post.get(f"retry_{outcome}_after", "")), str(post.get(f"retry_{outcome}_max", ""))
    )


def _ids(values: list[Any], name: str) -> list[int]:
    return [n for n in (parse_int(v, name) for v in values) if n is not None]


def campaign_form(post: MultiDictProxy[Any]) -> CampaignInput:
    codes = [str(v) for v in post.getall("disposition_code", [])]
    labels = [str(v) for v in post.getall("disposition_label", [])]
    kinds = [str(v) for v in post.getall("disposition_kind", [])]
    return CampaignInput(
        name=str(post.get("name", "")),
        mode=str(post.get("mode", "")),
        queue=str(post.get("queue", "")),
        agent_ids=_ids(post.getall("agent_ids", []), "agent_ids"),
        caller_id=str(post.get("caller_id", "")),
        script=str(post.get("script", "")),
        dispositions=[
            DispositionInput(
                codes[i] if i < len(codes) else "", label, kinds[i] if i < len(kinds) else ""
            )
            for i, label in enumerate(labels)
        ],
        refusal_reasons=str(post.get("refusal_reasons", "")),
        advertising=str(post.get("advertising", "")) in ("1", "on"),
        starts_on=str(post.get("starts_on", "")),
        ends_on=str(post.get("ends_on", "")),
        weekdays=_ids(post.getall("weekdays", []), "weekdays"),
        window_from=str(post.get("window_from", "")),
        window_to=str(post.get("window_to", "")),
        retry={
            o: RetryInput(
                str(post.get(f"retry_{o}_after", "")), str(post.get(f"retry_{o}_max", ""))
            )
            for o in RETRY_OUTCOMES
        },
        max_attempts=str(post.get("max_attempts", "")),
        ring_seconds=str(post.get("ring_seconds", "")),
        max_dial_ratio=str(post.get("max_dial_ratio", "")),
        abandon_cap_percent=str(post.get("abandon_cap_percent", "")),
        abandon_grace_seconds=str(post.get("abandon_grace_seconds", "")),
    )


async def _choices(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        queues = list(await session.scalars(select(QueueRow).order_by(QueueRow.name)))
        agents = list(
            await session.scalars(
                select(User)
                .where(User.active, User.extension.is_not(None))
                .order_by(User.full_name, User.login)
            )
        )
        segments = await list_entries(session, "segment", active_only=True)
        channels = await list_entries(session, "channel", active_only=True)
        tags = await list_tags(session)
    return {
        "queues": queues,
        "agents": agents,
        "segments": segments,
        "channels": channels,
        "tags": tags,
        "modes": MODES,
        "weekday_names": WEEKDAYS,
        "disposition_kinds": DISPOSITION_KINDS,
        "retry_outcomes": RETRY_OUTCOMES,
        "outcome_labels": OUTCOME_LABELS,
        "contact_state_labels": CONTACT_STATE_LABELS,
        "disposition_kind_labels": DISPOSITION_KIND_LABELS,
    }


async def _render_form(
    request: web.Request,
    form: CampaignInput,
    *,
    campaign: Any = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    message_params: dict[str, str] | None = None,
    source: ContactSource | None = None,
    report: ContactReport | None = None,
    status: int = 200,
) -> web.Response:
    rows = [*form.dispositions, *(DispositionInput() for _ in range(BLANK_DISPOSITIONS))]
    context = {
        **(await _choices(request)),
        "form": form,
        "disposition_rows": rows,
        "campaign": campaign,
        "errors": errors or {},
        "message": message,
        "message_params": message_params or {},
        "source": source or ContactSource(),
        "report": report,
    }
    return aiohttp_jinja2.render_template("campaigns/form.html", request, context, status=status)


async def idle_of(request: web.Request, session: AsyncSession, campaign: Any) -> Idle | None:
    """Why the campaign is not dialing now (the dialer's own predicate), or None."""
    zone = request.app[SETTINGS].default_timezone
    now = datetime.now(UTC)
    return await campaign_idle(session, campaign=campaign, now=now, default_zone=zone)


@requires(Permission.CAMPAIGNS_VIEW)
@aiohttp_jinja2.template("campaigns/list.html")
async def campaign_list(request: web.Request) -> dict[str, Any]:
    state = request.query.get("state", "")
    async with request.app[SESSIONMAKER]() as session:
        campaigns = await list_campaigns(session, actor=current_user(request), state=state)
        progress = await progress_of(session, [c.id for c in campaigns])
        idle = {c.id: await idle_of(request, session, c) for c in campaigns}
    return {"campaigns": campaigns, "progress": progress, "state": state, "idle": idle}


@requires(Permission.CAMPAIGNS_MANAGE)
async def new_page(request: web.Request) -> web.StreamResponse:
    return await _render_form(request, default_input())


@requires(Permission.CAMPAIGNS_MANAGE)
async def create(request: web.Request) -> web.StreamResponse:
    """The campaign and its first contacts in one transaction: a bad list creates nothing."""
    actor, post = current_user(request), await request.post()
    form, source = campaign_form(post), source_form(post)
    region = request.app[SETTINGS].default_region
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            campaign = await create_campaign(session, data=form, actor=actor, region=region)
            listed = await contacts_of_source(
                session, source, post, actor=actor, region=region,
                limits=request.app[SETTINGS].upload_limits,
                readers=request.app[UPLOAD_READERS],
            )  # fmt: skip
            if listed is not None:
                await add_contacts(
                    session, campaign=campaign, found=listed[0], bad=listed[1], actor=actor,
                    skip_bad=source.skip_bad,
                )  # fmt: skip
    except ContactsInvalid as exc:
        return await _render_form(
            request, form, message=exc.message, source=source, report=exc.report, status=422
        )
    except DomainError as exc:
        return await _render_form(
            request, form, errors=exc.fields, message=exc.message, source=source,
            message_params=exc.params, status=exc.status,
        )  # fmt: skip
    raise web.HTTPFound(f"/campaigns/{campaign.id}")


@requires(Permission.CAMPAIGNS_MANAGE)
async def edit_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    return await _render_form(request, to_input(campaign), campaign=campaign)


@requires(Permission.CAMPAIGNS_MANAGE)
async def update(request: web.Request) -> web.StreamResponse:
    actor, campaign_id = current_user(request), int(request.match_info["id"])
    form = campaign_form(await request.post())
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await update_campaign(
                session, campaign_id=campaign_id, data=form, actor=actor,
                region=request.app[SETTINGS].default_region,
            )  # fmt: skip
    except CampaignInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            campaign = await get_campaign(session, campaign_id, actor=actor)
        return await _render_form(
            request, form, campaign=campaign, errors=exc.fields, message=exc.message, status=422
        )
    raise web.HTTPFound(f"/campaigns/{campaign_id}")


async def render_page(
    request: web.Request, campaign_id: int, *, status: int = 200, **extra: Any
) -> web.Response:
    """The campaign's page; ``extra`` carries a form's errors or a contacts report."""
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(session, campaign_id, actor=current_user(request))
        figures = await campaign_figures(session, campaign)
        idle = await idle_of(request, session, campaign)
        contacts = list(
            await session.scalars(
                select(CampaignContact)
                .where(CampaignContact.campaign_id == campaign.id)
                .order_by(CampaignContact.updated_at.desc(), CampaignContact.id.desc())
                .limit(50)
            )
        )
        dnc = await list_campaign_dnc(session, campaign.id)
        history = await list_history(session, entity="campaign", entity_ids=[campaign.id])
        history_names = await audit_names(session, history)
        agents = await session.scalars(select(User).where(User.id.in_(campaign.agent_ids or [])))
    context = {
        **(await _choices(request)),
        "campaign": campaign,
        "figures": figures,
        "idle": idle,
        "contacts": contacts,
        "disposition_labels": {d.code: d.label for d in dispositions_of(campaign)},
        "dnc": dnc,
        "history": history,
        "audit_names": history_names,
        "campaign_agents": list(agents),
        "editable": campaign.state in EDITABLE_STATES,
        "source": ContactSource(),
        "errors": {},
        "dnc_form": {},
        "dnc_errors": {},
        **extra,
    }
    return aiohttp_jinja2.render_template("campaigns/page.html", request, context, status=status)


@requires(Permission.CAMPAIGNS_VIEW)
async def show(request: web.Request) -> web.StreamResponse:
    return await render_page(request, int(request.match_info["id"]))


@requires(Permission.CAMPAIGNS_MANAGE)
async def move(request: web.Request) -> web.StreamResponse:
    """Start, pause, resume or stop; a refused move shows the page with the reason."""
    campaign_id = int(request.match_info["id"])
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await change_state(
                session,
                campaign_id=campaign_id,
                action=request.match_info["action"],
                actor=current_user(request),
            )
    except AlreadyInState:
        pass  # a double click: the first click moved it (once: the campaign's row is locked)
    except (Conflict, CampaignInvalid) as exc:
        return await render_page(request, campaign_id, message=exc.message, status=exc.status)
    raise web.HTTPFound(f"/campaigns/{campaign_id}")


@requires(Permission.CAMPAIGNS_VIEW)
async def figures_fragment(request: web.Request) -> web.StreamResponse:
    """The page's figures alone, fetched again when the campaign's figures move."""
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        figures = await campaign_figures(session, campaign)
        idle = await idle_of(request, session, campaign)
    context = {
        "campaign": campaign,
        "figures": figures,
        "idle": idle,
        "outcome_labels": OUTCOME_LABELS,
    }
    response = aiohttp_jinja2.render_template("campaigns/_figures.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response
