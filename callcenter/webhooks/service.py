"""Webhooks: ``enqueue`` (called by the services in the change's own transaction) and what
the admin does with endpoints and deliveries. Services flush, never commit."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.db import utcnow
from callcenter.errors import Invalid, NotFound
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.webhooks.addresses import PrivateDestination, check_host
from callcenter.webhooks.events import EVENTS
from callcenter.webhooks.models import Delivery, Endpoint
from callcenter.webhooks.signing import new_secret

MAX_URL = 2000
MAX_DESCRIPTION = 200
PAGE = 50
ROTATION_GRACE = timedelta(hours=24)  # the old secret still signs this long after a rotation
PRIVATE_URL = N_(
    "This address leads to a loopback, private, link-local or metadata address: webhooks go "
    "there only when the admin setting CALLCENTER_WEBHOOK_ALLOW_PRIVATE is true."
)
# a NUL, which JSON writes as \u0000 and PostgreSQL's jsonb refuses (an escaped backslash
# before "u0000" is text, left alone)
_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")

# One statement whatever the number of endpoints, and no row when nobody subscribes: the
# cost on a change's path is one round trip over a table of a handful of rows.
ENQUEUE = text(
    "INSERT INTO webhook_deliveries "
    "(endpoint_id, event, event_id, entity, payload, next_attempt_at) "
    "SELECT e.id, :event, :event_id, :entity, CAST(:payload AS jsonb), "
    "CASE WHEN e.paused_at IS NULL THEN now() ELSE 'infinity' END "
    "FROM webhook_endpoints e WHERE e.active AND CAST(:event AS varchar) = ANY(e.events) "
    "ORDER BY e.id"
)


class WebhookInvalid(Invalid):
    id = "webhook_invalid"


class EndpointNotFound(NotFound):
    id = "webhook_endpoint_not_found"


class DeliveryNotFound(NotFound):
    id = "webhook_delivery_not_found"


def _plain(value: Any) -> Any:
    """JSON for what services hold: times in ISO 8601, money as exact strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


async def enqueue(session: AsyncSession, event: str, entity: str, payload: dict[str, Any]) -> None:
    """A delivery of ``event`` about ``entity`` (``"order:42"``) to every active endpoint
    subscribed to it, written in the caller's transaction: sent if and only if it commits."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    await session.execute(
        ENQUEUE,
        {
            "event": event,
            "event_id": uuid.uuid4(),
            "entity": entity[:80],
            "payload": _NUL.sub(
                r"\1\\ufffd", json.dumps(payload, default=_plain, ensure_ascii=False)
            ),
        },
    )


async def hold_deliveries(session: AsyncSession, endpoint_id: int, *, held: bool) -> None:
    """An endpoint paused or switched off: its pending deliveries wait (due never, so the
    sender's look for due rows passes them by); let go: due at once."""
    await session.execute(
        text(
            "UPDATE webhook_deliveries SET next_attempt_at = "
            "CASE WHEN :held THEN 'infinity'::timestamptz ELSE now() END "
            "WHERE endpoint_id = :id AND state = 'pending'"
        ),
        {"id": endpoint_id, "held": held},
    )


@dataclass
class EndpointInput:
    url: str = ""
    description: str = ""
    events: list[str] = field(default_factory=list)
    active: bool = True


def _checked(data: EndpointInput) -> tuple[str, str, list[str]]:
    errors: dict[str, str] = {}
    url = data.url.strip()
    parts = urlsplit(url) if url.isprintable() and " " not in url else None
    if not url:
        errors["url"] = N_("Give the address the events go to.")
    elif len(url) > MAX_URL:
        errors["url"] = N_("The address is too long (2,000 characters at most).")
    elif parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = N_("Only http:// and https:// addresses can receive webhooks.")
    elif parts.username is not None or parts.password is not None:
        errors["url"] = N_("Leave names and passwords out of the address: the secret signs it.")
    else:
        try:
            parts.port  # noqa: B018 (a port out of range raises)
        except ValueError:
            errors["url"] = N_("The port of the address is not a number from 1 to 65535.")
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = N_("The description is too long (200 characters at most).")
    events = sorted(set(data.events))
    if not events:
        errors["events"] = N_("Choose at least one event.")
    elif any(event not in EVENTS for event in events):
        errors["events"] = N_("Choose events from the list.")
    if errors:
        raise WebhookInvalid(N_("Check the endpoint's fields."), fields=errors)
    return url, description, events


async def _check_destination(url: str, *, allow_private: bool) -> None:
    """Refuse an address that resolves to a private one now (the sender checks again)."""
    if allow_private:
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        await check_host(parts.hostname or "", port)
    except PrivateDestination:
        raise WebhookInvalid(
            N_("Check the endpoint's fields."), fields={"url": PRIVATE_URL}
        ) from None


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> Endpoint:
    endpoint = await session.get(Endpoint, endpoint_id)
    if endpoint is None:
        raise EndpointNotFound(N_("No such webhook endpoint."))
    return endpoint


async def create_endpoint(
    session: AsyncSession, *, data: EndpointInput, actor: User | None, allow_private: bool
) -> tuple[Endpoint, str]:
    """The new endpoint and its secret: the only time the secret is given out.
    ``allow_private``: the admin setting that lets it be a private address."""
    url, description, events = _checked(data)
    await _check_destination(url, allow_private=allow_private)
    secret = new_secret()
    endpoint = Endpoint(
        url=url, description=description, events=events, secret=secret, active=data.active
    )
    endpoint.paused_by, endpoint.paused_reason, endpoint.failures_in_row = "", "", 0
    endpoint.previous_secret = ""
    session.add(endpoint)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="webhook_endpoint",
        entity_id=endpoint.id,
        action="created",
        changes={"url": [None, url], "events": [None, events], "active": [None, data.active]},
    )
    return endpoint, secret


async def update_endpoint(
    session: AsyncSession,
    *,
    endpoint_id: int,
    data: EndpointInput,
    actor: User | None,
    allow_private: bool,
) -> Endpoint:
    url, description, events = _checked(data)
    await _check_destination(url, allow_private=allow_private)
    endpoint = await get_endpoint(session, endpoint_id)
    changes = {
        name: [old, new]
        for name, old, new in (
            ("url", endpoint.url, url),
            ("description", endpoint.description, description),
            ("events", list(endpoint.events), events),
            ("active", endpoint.active, data.active),
        )
        if old != new
    }
    endpoint.url, endpoint.description, endpoint.events = url, description, events
    was_active, endpoint.active = endpoint.active, data.active
    await session.flush()
    if was_active != data.active:
        held = not data.active or endpoint.paused_at is not None
        await hold_deliveries(session, endpoint.id, held=held)
    await record_change(
        session,
        actor=actor,
        entity="webhook_endpoint",
        entity_id=endpoint.id,
        action="updated",
        changes=changes,
    )
    return endpoint


async def pause_endpoint(
    session: AsyncSession, *, endpoint_id: int, actor: User | None, reason: str
) -> Endpoint:
    """Hold the endpoint's deliveries (they wait, nothing is dropped) with a note."""
    endpoint = await get_endpoint(session, endpoint_id)
    if endpoint.paused_at is None:
        endpoint.paused_at, endpoint.paused_by = utcnow(), "admin"
        endpoint.paused_reason = reason.strip()[:2000]
        await session.flush()
        await hold_deliveries(session, endpoint.id, held=True)
        await record_change(
            session,
            actor=actor,
            entity="webhook_endpoint",
            entity_id=endpoint.id,
            action="paused",
            changes={"paused_reason": [None, reason[:2000]]},
        )
    return endpoint


async def resume_endpoint(
    session: AsyncSession, *, endpoint_id: int, actor: User | None
) -> Endpoint:
    """Send again: the failure count starts over and waiting deliveries are due at once."""
    endpoint = await get_endpoint(session, endpoint_id)
    endpoint.paused_at, endpoint.paused_by, endpoint.paused_reason = None, "", ""
    endpoint.failures_in_row = 0
    await session.flush()
    await hold_deliveries(session, endpoint.id, held=not endpoint.active)
    await record_change(
        session, actor=actor, entity="webhook_endpoint", entity_id=endpoint.id, action="resumed"
    )
    return endpoint


async def rotate_secret(session: AsyncSession, *, endpoint_id: int, actor: User | None) -> str:
    """A new secret, returned this once. Deliveries carry a signature by each secret for
    ``ROTATION_GRACE`` (the receiver moves to the new one meanwhile), then by the new only;
    a second rotation within the grace keeps only the secret it replaces."""
    endpoint = await get_endpoint(session, endpoint_id)
    endpoint.previous_secret, endpoint.secret = endpoint.secret, new_secret()
    endpoint.previous_secret_until = utcnow() + ROTATION_GRACE
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="webhook_endpoint",
        entity_id=endpoint.id,
        action="secret_rotated",
    )
    return endpoint.secret


async def list_endpoints(session: AsyncSession) -> list[tuple[Endpoint, dict[str, int]]]:
    """Every endpoint with how many of its deliveries are in each state."""
    endpoints = list(await session.scalars(select(Endpoint).order_by(Endpoint.id)))
    rows = await session.execute(
        select(Delivery.endpoint_id, Delivery.state, func.count())
        .where(Delivery.state != "sent")
        .group_by(Delivery.endpoint_id, Delivery.state)
    )
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, state, count in rows:
        counts.setdefault(endpoint_id, {})[state] = count
    return [(endpoint, counts.get(endpoint.id, {})) for endpoint in endpoints]


async def list_deliveries(
    session: AsyncSession, *, endpoint_id: int, state: str = "", before_id: int | None = None
) -> list[Delivery]:
    """The endpoint's deliveries, newest first, a page at a time (``before_id``: older)."""
    query = select(Delivery).where(Delivery.endpoint_id == endpoint_id)
    if state in ("pending", "sent", "failed"):
        query = query.where(Delivery.state == state)
    if before_id is not None:
        query = query.where(Delivery.id < before_id)
    return list(await session.scalars(query.order_by(Delivery.id.desc()).limit(PAGE)))


async def resend_delivery(
    session: AsyncSession, *, delivery_id: int, actor: User | None
) -> Delivery:
    """Send a delivery again as a new one (same event id, so a receiver can tell), after any
    of its entity's deliveries still pending to that endpoint; the original keeps its record."""
    original = await session.get(Delivery, delivery_id)
    if original is None:
        raise DeliveryNotFound(N_("No such delivery."))
    again = Delivery(
        endpoint_id=original.endpoint_id,
        event=original.event,
        event_id=original.event_id,
        entity=original.entity,
        payload=original.payload,
        resent_from=original.id,
    )
    session.add(again)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="webhook_endpoint",
        entity_id=original.endpoint_id,
        action="delivery_resent",
        changes={"delivery": [original.id, again.id]},
    )
    return again
