"""Campaigns as JSON and back: the shapes ``/api/v1/campaigns`` sends and reads.

A campaign's settings come out flat, as they go in, so what GET gives can be PUT back.
Ratios and percents are numbers; money (orders made) is a decimal string per currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from callcenter.dialer.campaign_input import (
    RETRY_OUTCOMES,
    CampaignInput,
    DispositionInput,
    RetryInput,
)
from callcenter.dialer.contacts import BadEntry, Candidate, ContactReport
from callcenter.dialer.figures import Figures
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.users.models import User
from web.apidoc.describe import (
    BOOL,
    CLOCK,
    COUNT,
    DAY,
    ID,
    MOMENT,
    MONEY,
    NUMBER,
    TEXT,
    Schema,
    array,
    nullable,
    obj,
)
from web.i18n import gettext
from web.values import id_list

TEXT_FIELDS = (
    "name",
    "mode",
    "queue",
    "caller_id",
    "script",
    "starts_on",
    "ends_on",
    "window_from",
    "window_to",
    "max_attempts",
    "ring_seconds",
    "max_dial_ratio",
    "abandon_cap_percent",
    "abandon_grace_seconds",
)


_SETTING: Schema = {"type": ["string", "number", "null"]}  # what ``_text`` reads
_IDS = nullable(array(ID))
DISPOSITION = obj(("code", "label", "kind"), code=TEXT, label=TEXT, kind=TEXT)
CAMPAIGN_BODY = obj(
    **{name: _SETTING for name in TEXT_FIELDS},
    agent_ids=_IDS,
    weekdays=nullable(array({"type": "integer", "minimum": 1, "maximum": 7})),
    advertising=BOOL,
    dispositions=array({"anyOf": [TEXT, DISPOSITION]}),
    refusal_reasons=array(TEXT),
    retry_rules=obj(
        **{outcome: obj(after_minutes=_SETTING, max=_SETTING) for outcome in RETRY_OUTCOMES}
    ),
)
NUMBERS = array({"anyOf": [TEXT, obj(("number",), number=TEXT, name=nullable(TEXT))]})
CONTACTS_BODY = obj(
    client_ids=_IDS, numbers=NUMBERS, segment_id=nullable(ID), skip_bad=BOOL
)  # ``contacts_of_body``
_WHEN = nullable(MOMENT)
CAMPAIGN: Schema = obj(
    ("id", "name", "mode", "state", "window_from", "window_to", "max_dial_ratio"),
    id=ID,
    name=TEXT,
    mode=TEXT,
    state=TEXT,
    queue=nullable(TEXT),
    agent_ids=array(ID),
    caller_id=TEXT,
    script=TEXT,
    dispositions=array(obj()),
    refusal_reasons=array({}),
    advertising=BOOL,
    starts_on=nullable(DAY),
    ends_on=nullable(DAY),
    weekdays=array({"type": "integer"}),
    window_from=CLOCK,
    window_to=CLOCK,
    retry_rules=obj(),
    max_attempts={"type": "integer"},
    ring_seconds={"type": "integer"},
    max_dial_ratio=NUMBER,
    abandon_cap_percent=NUMBER,
    abandon_grace_seconds={"type": "integer"},
    created_by_id=nullable(ID),
    created_at=_WHEN,
    started_at=_WHEN,
    stopped_at=_WHEN,
)
_COUNTS = obj(("contacts", "contacts_left", "dialed", "connected"))
FIGURES: Schema = obj(
    ("contacts", "dialed", "answered", "abandon_rate", "dial_ratio", "orders_total"),
    contacts=COUNT,
    contacts_left=COUNT,
    contact_states={"type": "object", "additionalProperties": COUNT},
    dialed=COUNT,
    in_flight=COUNT,
    answered=COUNT,
    connected=COUNT,
    abandoned=COUNT,
    abandon_rate=NUMBER,
    dial_ratio=NUMBER,
    paced_at=_WHEN,
    outcomes={"type": "object", "additionalProperties": COUNT},
    dispositions=array(obj(("code", "count"), code=TEXT, label=TEXT, kind=TEXT, count=COUNT)),
    refusal_reasons=array(obj(("reason", "count"), reason=TEXT, count=COUNT)),
    orders=COUNT,
    orders_total={"type": "object", "additionalProperties": MONEY},
)
_FOUND = obj(("number",), number=TEXT, name=nullable(TEXT), client_id=nullable(ID), where=TEXT)
CONTACT_REPORT: Schema = obj(
    ("added", "duplicates", "bad"),
    added=COUNT,
    duplicates=array(_FOUND),
    bad=array(obj(("where", "text", "reason"), where=TEXT, text=TEXT, reason=TEXT)),
)
ATTEMPT: Schema = obj(
    ("id", "contact", "number", "outcome", "agent"),
    id=ID,
    contact=obj(("id",), id=ID, name=nullable(TEXT), client_id=nullable(ID)),
    number=TEXT,
    started_at=_WHEN,
    answered_at=_WHEN,
    connected_at=_WHEN,
    ended_at=_WHEN,
    outcome=nullable(TEXT),
    hangup_cause=nullable({"type": ["string", "integer"]}),
    agent=nullable(obj(("id", "login"), id=ID, login=TEXT)),
    disposition=nullable(TEXT),
    refusal_reason=nullable(TEXT),
    note=nullable(TEXT),
    dispositioned_at=_WHEN,
)


def with_figures(campaign: Schema = CAMPAIGN) -> Schema:
    """A campaign with its live figures (whose counts take the settings' keys' places)."""
    return obj(
        (*campaign["required"], *FIGURES["required"]),
        **{**campaign["properties"], **FIGURES["properties"]},
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Decimal) -> float:
    return float(value)


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "mode": campaign.mode,
        "state": campaign.state,
        "queue": campaign.queue or None,
        "agent_ids": list(campaign.agent_ids or []),
        "caller_id": campaign.caller_id,
        "script": campaign.script,
        "dispositions": list(campaign.dispositions or []),
        "refusal_reasons": list(campaign.refusal_reasons or []),
        "advertising": campaign.advertising,
        "starts_on": _iso(campaign.starts_on),
        "ends_on": _iso(campaign.ends_on),
        "weekdays": list(campaign.weekdays or []),
        "window_from": campaign.window_from.strftime("%H:%M"),
        "window_to": campaign.window_to.strftime("%H:%M"),
        "retry_rules": dict(campaign.retry_rules or {}),
        "max_attempts": campaign.max_attempts,
        "ring_seconds": campaign.ring_seconds,
        "max_dial_ratio": _number(campaign.max_dial_ratio),
        "abandon_cap_percent": _number(campaign.abandon_cap_percent),
        "abandon_grace_seconds": campaign.abandon_grace_seconds,
        "created_by_id": campaign.created_by_id,
        "created_at": _iso(campaign.created_at),
        "started_at": _iso(campaign.started_at),
        "stopped_at": _iso(campaign.stopped_at),
    }


def figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "contacts": figures.contacts,
        "contacts_left": figures.contacts_left,
        "contact_states": figures.states,
        "dialed": figures.dialed,
        "in_flight": figures.in_flight,
        "answered": figures.answered,
        "connected": figures.connected,
        "abandoned": figures.abandoned,
        "abandon_rate": _number(figures.abandon_rate),
        "dial_ratio": _number(figures.dial_ratio),
        "paced_at": _iso(figures.paced_at),
        "outcomes": figures.outcomes,
        "dispositions": [
            {"code": d.code, "label": d.label, "kind": d.kind, "count": d.count}
            for d in figures.dispositions
        ],
        "refusal_reasons": [{"reason": r, "count": n} for r, n in figures.refusal_reasons],
        "orders": figures.orders,
        "orders_total": {currency: str(total) for currency, total in figures.orders_total.items()},
    }


def attempt_json(
    attempt: CampaignAttempt, contact: CampaignContact, agent: User | None
) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "contact": {"id": contact.id, "name": contact.name, "client_id": contact.client_id},
        "number": attempt.number,
        "started_at": _iso(attempt.started_at),
        "answered_at": _iso(attempt.answered_at),
        "connected_at": _iso(attempt.connected_at),
        "ended_at": _iso(attempt.ended_at),
        "outcome": attempt.outcome or None,
        "hangup_cause": attempt.hangup_cause,
        "agent": {"id": agent.id, "login": agent.login} if agent else None,
        "disposition": attempt.disposition or None,
        "refusal_reason": attempt.refusal_reason or None,
        "note": attempt.note,
        "dispositioned_at": _iso(attempt.dispositioned_at),
    }


def report_json(report: ContactReport) -> dict[str, Any]:
    def candidate(c: Candidate) -> dict[str, Any]:
        return {"number": c.e164, "name": c.name, "client_id": c.client_id, "where": c.where}

    def bad(b: BadEntry) -> dict[str, Any]:
        return {"where": b.where, "text": b.text, "reason": gettext(b.reason)}

    return {
        "added": report.added,
        "duplicates": [candidate(c) for c in report.duplicates],
        "bad": [bad(b) for b in report.bad],
    }


def _text(value: Any) -> str:
    if isinstance(value, bool | dict | list):
        raise BadRequest(N_("A campaign's settings are strings or numbers"))
    return "" if value is None else str(value)


def _dispositions(value: Any) -> list[DispositionInput]:
    if not isinstance(value, list):
        raise BadRequest(N_("dispositions is a list of {code, label, kind}"))
    items = []
    for item in value:
        if isinstance(item, str):
            items.append(DispositionInput("", item, "other"))
        elif isinstance(item, dict):
            kind = str(item.get("kind") or "other")
            items.append(DispositionInput(_text(item.get("code")), _text(item.get("label")), kind))
        else:
            raise BadRequest(N_("dispositions is a list of {code, label, kind}"))
    return items


def _retry(value: Any, base: dict[str, RetryInput]) -> dict[str, RetryInput]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise BadRequest(N_("retry_rules is {outcome: {after_minutes, max}}"))
    rules = dict(base)
    for outcome in RETRY_OUTCOMES:
        if outcome in value:
            rule = value[outcome]
            rules[outcome] = RetryInput(_text(rule.get("after_minutes")), _text(rule.get("max")))
    return rules


def campaign_input(body: dict[str, Any], base: CampaignInput | None = None) -> CampaignInput:
    """A JSON body into an input; absent keys keep ``base``'s values (PATCH)."""
    data = base or CampaignInput()
    for name in TEXT_FIELDS:
        if name in body:
            setattr(data, name, _text(body[name]))
    if "agent_ids" in body:
        data.agent_ids = id_list(body["agent_ids"] or [], "agent_ids")
    if "weekdays" in body:
        data.weekdays = id_list(body["weekdays"] or [], "weekdays")
    if "advertising" in body:
        data.advertising = body["advertising"] is True
    if "dispositions" in body:
        data.dispositions = _dispositions(body["dispositions"])
    if "refusal_reasons" in body:
        reasons = body["refusal_reasons"]
        data.refusal_reasons = "\n".join(map(str, reasons)) if isinstance(reasons, list) else ""
    if "retry_rules" in body:
        data.retry = _retry(body["retry_rules"], data.retry)
    return data
