"""JSON API for campaigns: ``/api/v1/campaigns`` (list, create), ``/{id}`` (with its live
figures; PUT/PATCH edits), ``/{id}/start|pause|resume|stop``, ``/{id}/contacts`` (add) and
``/{id}/attempts`` (every attempt, paged)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.search import ClientQuery
from callcenter.dialer.campaigns import (
    change_state,
    create_campaign,
    get_campaign,
    list_campaigns,
    to_input,
    update_campaign,
)
from callcenter.dialer.contacts import (
    BadEntry,
    Candidate,
    ContactReport,
    ContactsInvalid,
    add_contacts,
    from_client_ids,
    from_client_query,
    from_numbers,
)
from callcenter.dialer.figures import campaign_figures, progress_of
from callcenter.dialer.idle import campaign_idle
from callcenter.dialer.models import Campaign
from callcenter.dialer.results import list_attempts
from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.api.campaign_json import (
    ATTEMPT,
    CAMPAIGN,
    CAMPAIGN_BODY,
    CONTACT_REPORT,
    CONTACTS_BODY,
    attempt_json,
    campaign_input,
    campaign_json,
    figures_json,
    report_json,
    with_figures,
)
from web.api.lists import list_response
from web.apidoc.describe import (
    COUNT,
    NO_BODY,
    PAGING,
    STATE,
    described,
    items,
    listing,
    obj,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.i18n import idle_text
from web.keys import SESSIONMAKER, SETTINGS
from web.values import id_list, page_field, per_page_field, read_json_object, ref

CONTACT_KEYS = ("client_ids", "numbers", "segment_id")
WITH_FIGURES = with_figures()
_PROGRESS = {k: COUNT for k in ("contacts", "contacts_left", "dialed", "connected")}
LISTED = obj(CAMPAIGN["required"], **CAMPAIGN["properties"], **_PROGRESS)
NEW_BODY = obj(**CAMPAIGN_BODY["properties"], **CONTACTS_BODY["properties"])


def _numbers_text(value: Any) -> str:
    """``["+7916...", {"number": "+7916...", "name": "Анна"}]`` as lines ``number;name``."""
    if not isinstance(value, list):
        raise BadRequest(N_("numbers is a list of numbers or {number, name}"))
    lines = []
    for item in value:
        if isinstance(item, dict):
            lines.append(f"{item.get('number') or ''};{item.get('name') or ''}")
        elif isinstance(item, str | int) and not isinstance(item, bool):
            lines.append(str(item) or "-")
        else:
            raise BadRequest(N_("numbers is a list of numbers or {number, name}"))
    return "\n".join(line.replace("\n", " ") for line in lines)


async def contacts_of_body(
    session: AsyncSession, body: dict[str, Any], *, actor: User, region: str
) -> tuple[list[Candidate], list[BadEntry]]:
    """Contacts by ``client_ids``, ``numbers`` and a ``segment_id``, all of them together."""
    found: list[Candidate] = []
    bad: list[BadEntry] = []
    if body.get("client_ids"):
        ids = id_list(body["client_ids"], "client_ids")
        more, worse = await from_client_ids(session, ids, actor=actor)
        found, bad = found + more, bad + worse
    if body.get("numbers"):
        more, worse = from_numbers(_numbers_text(body["numbers"]), region)
        found, bad = found + more, bad + worse
    if body.get("segment_id") is not None:
        query = ClientQuery(segment_id=ref(body["segment_id"], "segment_id"))
        more, worse = await from_client_query(session, query, actor=actor, region=region)
        found, bad = found + more, bad + worse
    return found, bad


def _refused(exc: ContactsInvalid) -> web.Response:
    body = error_body(exc.id, exc.message, exc.fields)
    body["bad"] = report_json(exc.report)["bad"]
    return web.json_response(body, status=exc.status)


async def _with_figures(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    return {**campaign_json(campaign), **figures_json(await campaign_figures(session, campaign))}


@requires(Permission.CAMPAIGNS_VIEW)
@described(response=items(LISTED), query=(STATE,))
async def list_all(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        campaigns = await list_campaigns(
            session, actor=current_user(request), state=request.query.get("state", "")
        )
        progress = await progress_of(session, [c.id for c in campaigns])
        items = [
            {**campaign_json(c), **progress[c.id].__dict__, **await _idle_json(request, session, c)}
            for c in campaigns
        ]
    return web.json_response({"items": items})


async def _idle_json(
    request: web.Request, session: AsyncSession, campaign: Campaign
) -> dict[str, Any]:
    """Why the campaign is not dialing now: the reason's key, when a wait ends, the words."""
    idle = await campaign_idle(
        session,
        campaign=campaign,
        now=datetime.now(UTC),
        default_zone=request.app[SETTINGS].default_timezone,
    )
    return {
        "idle": None
        if idle is None
        else {
            "reason": idle.reason,
            "until": idle.until.isoformat() if idle.until else None,
            "message": idle_text(idle),
        }
    }


@requires(Permission.CAMPAIGNS_VIEW)
@described(response=WITH_FIGURES)
async def get_one(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        answer = {
            **await _with_figures(session, campaign),
            **await _idle_json(request, session, campaign),
        }
        return web.json_response(answer)


@requires(Permission.CAMPAIGNS_MANAGE)
@described(
    ok=201,
    body=NEW_BODY,
    body_required=False,
    response=obj(
        WITH_FIGURES["required"],
        **WITH_FIGURES["properties"],
        contacts_report=CONTACT_REPORT,
    ),
)
async def create(request: web.Request) -> web.Response:
    """The campaign's fields and, optionally, its contacts; all or nothing."""
    actor, body = current_user(request), await read_json_object(request)
    region = request.app[SETTINGS].default_region
    report = ContactReport()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            campaign = await create_campaign(
                session, data=campaign_input(body), actor=actor, region=region
            )
            if any(body.get(key) for key in CONTACT_KEYS):
                found, bad = await contacts_of_body(session, body, actor=actor, region=region)
                report = await add_contacts(
                    session, campaign=campaign, found=found, bad=bad, actor=actor,
                    skip_bad=body.get("skip_bad") is True,
                )  # fmt: skip
            answer = await _with_figures(session, campaign)
    except ContactsInvalid as exc:
        return _refused(exc)
    answer["contacts_report"] = report_json(report)
    return web.json_response(
        answer, status=201, headers={"Location": f"/api/v1/campaigns/{campaign.id}"}
    )


@requires(Permission.CAMPAIGNS_MANAGE)
@described(body=CAMPAIGN_BODY, body_required=False, response=WITH_FIGURES)
async def update(request: web.Request) -> web.Response:
    """PUT replaces the campaign's settings; PATCH changes only the keys given."""
    actor, body = current_user(request), await read_json_object(request)
    campaign_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER].begin() as session:
        base = None
        if request.method == "PATCH":
            base = to_input(await get_campaign(session, campaign_id, actor=actor))
        campaign = await update_campaign(
            session,
            campaign_id=campaign_id,
            data=campaign_input(body, base),
            actor=actor,
            region=request.app[SETTINGS].default_region,
        )
        return web.json_response(await _with_figures(session, campaign))


@requires(Permission.CAMPAIGNS_MANAGE)
@described(body=CONTACTS_BODY, response=CONTACT_REPORT)
async def add(request: web.Request) -> web.Response:
    actor, body = current_user(request), await read_json_object(request)
    region = request.app[SETTINGS].default_region
    if not any(body.get(key) for key in CONTACT_KEYS):
        raise BadRequest(N_("Give client_ids, numbers or a segment_id"))
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            campaign = await get_campaign(
                session, int(request.match_info["id"]), actor=actor, for_update=True
            )
            found, bad = await contacts_of_body(session, body, actor=actor, region=region)
            report = await add_contacts(
                session, campaign=campaign, found=found, bad=bad, actor=actor,
                skip_bad=body.get("skip_bad") is True,
            )  # fmt: skip
    except ContactsInvalid as exc:
        return _refused(exc)
    return web.json_response(report_json(report))


@requires(Permission.CAMPAIGNS_MANAGE)
@described(body=NO_BODY, response=WITH_FIGURES)
async def move(request: web.Request) -> web.Response:
    """``POST /api/v1/campaigns/{id}/start|pause|resume|stop``: 409 for a move refused."""
    async with request.app[SESSIONMAKER].begin() as session:
        campaign = await change_state(
            session,
            campaign_id=int(request.match_info["id"]),
            action=request.match_info["action"],
            actor=current_user(request),
        )
        return web.json_response(await _with_figures(session, campaign))


@requires(Permission.CAMPAIGNS_VIEW)
@described(response=listing(ATTEMPT), query=PAGING)
async def attempts(request: web.Request) -> web.Response:
    q = request.query
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
        page = await list_attempts(
            session,
            campaign.id,
            page=page_field(q),
            per_page=per_page_field(q, default=100, most=1000),
        )
    return list_response([attempt_json(a, c, u) for a, c, u in page.rows], page)
