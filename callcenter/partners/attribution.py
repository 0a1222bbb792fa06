"""Which partner a client came through, since when, and how it was given.

Two ways to give it, each kept in the client's audit trail:
- ``attribute_client``: the client card (and the client API), a deliberate act of staff who
  manage partners; it sets, changes or removes the attribution.
- ``attribute_if_new``: every other channel (an import's column, the order form and API, a
  referral link). The first attribution wins: the database keeps one row per client and the
  insert does nothing when a row is there, however many requests race. A different code
  offered later changes nothing and is recorded as ``attribution_kept``; only the card moves
  a client to another partner.

Commissions follow the client: an order accrues to the chain of its client's partner at the
moment it is paid in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.clients.service import get_client
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.partners.models import ATTRIBUTION_SOURCES, ClientAttribution, Partner
from callcenter.partners.periods import local_today
from callcenter.users.models import User
from callcenter.users.roles import Permission

FIELD = "partner_code"


class Outcome(StrEnum):
    ATTRIBUTED = "attributed"  # the client had no partner and now has this one
    SAME = "same"  # already this partner's
    KEPT = "kept"  # already another partner's: kept, the offer audited


def clean_code(text: object) -> str:
    return str(text or "").strip().upper()[:20]


def refuse(message: str, field: str = FIELD) -> PartnerInvalid:
    return PartnerInvalid(N_("Please correct the marked fields"), fields={field: message})


async def active_partner(session: AsyncSession, code: str, *, field: str = FIELD) -> Partner:
    """The active partner with this code; PartnerInvalid (on ``field``) otherwise."""
    partner = await session.scalar(select(Partner).where(Partner.code == clean_code(code)))
    if partner is None:
        raise refuse(N_("No partner has this code"), field)
    if partner.status != "active":
        raise refuse(N_("This partner is suspended"), field)
    return partner


async def attribution_of(
    session: AsyncSession, client_id: int
) -> tuple[ClientAttribution, Partner] | None:
    row = (
        await session.execute(
            select(ClientAttribution, Partner)
            .join(Partner, Partner.id == ClientAttribution.partner_id)
            .where(ClientAttribution.client_id == client_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def partner_codes_of(session: AsyncSession, client_ids: Iterable[int]) -> dict[int, str]:
    """Each attributed client's partner code, in one query (for lists and the API)."""
    ids = list(set(client_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(ClientAttribution.client_id, Partner.code)
        .join(Partner, Partner.id == ClientAttribution.partner_id)
        .where(ClientAttribution.client_id.in_(ids))
    )
    return {client_id: code for client_id, code in rows.all()}


def _may_attribute(actor: User) -> None:
    if not actor.can(Permission.PARTNERS_MANAGE):
        raise Forbidden(N_("You may not attribute clients to partners"))


async def attribute_client(
    session: AsyncSession, *, client_id: int, code: str, actor: User, source: str = "card"
) -> Partner | None:
    """Attribute the client to the partner with ``code`` from today (empty: to no partner);
    the change is kept in the client's audit trail. Orders paid from now on accrue to the
    new partner's chain; what was accrued stays."""
    _may_attribute(actor)
    if source not in ATTRIBUTION_SOURCES:
        raise ValueError(source)
    client = await get_client(session, client_id, actor=actor)
    wanted = clean_code(code)
    partner = await active_partner(session, wanted) if wanted else None
    before = await attribution_of(session, client.id)
    old_code = before[1].code if before else None
    if old_code == wanted or (old_code is None and not wanted):
        return partner
    if partner is None:
        await session.execute(
            delete(ClientAttribution).where(ClientAttribution.client_id == client.id)
        )
    else:
        values = _values(client.id, partner, actor, source)
        statement = insert(ClientAttribution).values(**values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ClientAttribution.client_id],
                set_={k: statement.excluded[k] for k in values if k != "client_id"},
            )
        )
    await _audit(session, client.id, actor, "attributed", old_code, partner, source)
    return partner


async def attribute_if_new(
    session: AsyncSession,
    *,
    client_id: int,
    partner: Partner,
    actor: User | None,
    source: str,
) -> Outcome:
    """Attribute the client to ``partner`` unless they came through a partner already (the
    first attribution wins; a different one offered is audited, not applied). The caller has
    checked the client and the partner (``active_partner``) and who may do this."""
    if source not in ATTRIBUTION_SOURCES:
        raise ValueError(source)
    inserted = await session.scalar(
        insert(ClientAttribution)
        .values(**_values(client_id, partner, actor, source))
        .on_conflict_do_nothing(index_elements=[ClientAttribution.client_id])
        .returning(ClientAttribution.client_id)
    )
    if inserted is not None:
        await _audit(session, client_id, actor, "attributed", None, partner, source)
        return Outcome.ATTRIBUTED
    current = await attribution_of(session, client_id)
    if current is not None and current[1].id == partner.id:
        return Outcome.SAME
    old = current[1].code if current else None
    await _audit(session, client_id, actor, "attribution_kept", old, partner, source)
    return Outcome.KEPT


async def attribute_by_code(
    session: AsyncSession, *, client_id: int, code: str, actor: User, source: str
) -> Outcome | None:
    """``attribute_if_new`` for staff typing a code (the order form and API); an empty code
    does nothing. Another partner's client is refused on the field, so what the user typed
    is not silently dropped: the card is where a client changes partner."""
    wanted = clean_code(code)
    if not wanted:
        return None
    _may_attribute(actor)
    partner = await active_partner(session, wanted)
    outcome = await attribute_if_new(
        session, client_id=client_id, partner=partner, actor=actor, source=source
    )
    if outcome is Outcome.KEPT:
        raise refuse(
            N_("This client already came through another partner: change it on the client card")
        )
    return outcome


def _values(client_id: int, partner: Partner, actor: User | None, source: str) -> dict:
    return {
        "client_id": client_id,
        "partner_id": partner.id,
        "attributed_on": local_today(actor),
        "source": source,
        "by_id": actor.id if actor else None,
    }


async def _audit(
    session: AsyncSession,
    client_id: int,
    actor: User | None,
    action: str,
    old_code: str | None,
    partner: Partner | None,
    source: str,
) -> None:
    new_code = partner.code if partner else None
    changes = {"partner": [old_code, new_code], "source": [None, source]}
    if action == "attribution_kept":  # the attribution stays; what was offered is noted
        changes = {
            "partner": [None, old_code],
            "offered": [None, new_code],
            "source": [None, source],
        }
    await record_change(
        session,
        actor=actor,
        entity="client",
        entity_id=client_id,
        action=action,
        changes=changes,
    )
