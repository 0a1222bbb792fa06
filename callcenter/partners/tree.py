"""The sponsor tree, kept as a closure table (``partner_paths``) beside ``sponsor_id``.

Every write to the tree (a partner placed, or moved under another sponsor) takes one
transaction-scoped advisory lock first, then checks and rewrites the closure in the same
transaction. Writes are therefore serialized: two moves that would each be fine alone but
together close a loop (A under B while B goes under A) cannot both see the old tree; the
second waits, then sees the first's paths and is refused. Moves are rare admin actions, so
one lock for the whole tree costs nothing. Reads never take it.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_
from callcenter.partners.exceptions import SponsorCycle
from callcenter.partners.models import Partner, PartnerPath

TREE_LOCK = 7311  # advisory lock key of the partner tree's writes


async def lock_tree(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TREE_LOCK})


async def is_in_downline(session: AsyncSession, *, top_id: int, partner_id: int) -> bool:
    """Whether ``partner_id`` is ``top_id`` or below it."""
    found = await session.scalar(
        select(PartnerPath.depth).where(
            PartnerPath.ancestor_id == top_id, PartnerPath.descendant_id == partner_id
        )
    )
    return found is not None


async def place_partner(session: AsyncSession, partner: Partner) -> None:
    """The closure rows of a new partner (flushed, with its sponsor set or not)."""
    await lock_tree(session)
    session.add(PartnerPath(ancestor_id=partner.id, descendant_id=partner.id, depth=0))
    if partner.sponsor_id is not None:
        await session.execute(
            text(
                "INSERT INTO partner_paths (ancestor_id, descendant_id, depth) "
                "SELECT ancestor_id, :me, depth + 1 FROM partner_paths WHERE descendant_id = :up"
            ),
            {"me": partner.id, "up": partner.sponsor_id},
        )
    await session.flush()


async def move_partner(session: AsyncSession, partner: Partner, sponsor_id: int | None) -> None:
    """Put ``partner`` (with their whole downline) under ``sponsor_id``; refused with
    ``SponsorCycle`` if the sponsor is the partner or in their downline."""
    await lock_tree(session)
    if sponsor_id is not None and await is_in_downline(
        session, top_id=partner.id, partner_id=sponsor_id
    ):
        raise SponsorCycle(
            N_("A partner cannot be placed under themselves or their own downline"),
            fields={"sponsor": N_("This partner is in the moved partner's downline")},
        )
    subtree = select(PartnerPath.descendant_id).where(PartnerPath.ancestor_id == partner.id)
    above = select(PartnerPath.ancestor_id).where(
        PartnerPath.descendant_id == partner.id, PartnerPath.depth > 0
    )
    await session.execute(
        delete(PartnerPath).where(
            PartnerPath.descendant_id.in_(subtree), PartnerPath.ancestor_id.in_(above)
        )
    )
    if sponsor_id is not None:
        await session.execute(
            text(
                "INSERT INTO partner_paths (ancestor_id, descendant_id, depth) "
                "SELECT up.ancestor_id, down.descendant_id, up.depth + down.depth + 1 "
                "FROM partner_paths up, partner_paths down "
                "WHERE up.descendant_id = :sponsor AND down.ancestor_id = :me"
            ),
            {"sponsor": sponsor_id, "me": partner.id},
        )
    partner.sponsor_id = sponsor_id
    await session.flush()


async def upline(session: AsyncSession, partner_id: int, depth: int) -> list[tuple[int, int]]:
    """(partner id, level) up the chain from ``partner_id`` (level 1) to ``depth`` levels."""
    rows = await session.execute(
        select(PartnerPath.ancestor_id, PartnerPath.depth + 1)
        .where(PartnerPath.descendant_id == partner_id, PartnerPath.depth < depth)
        .order_by(PartnerPath.depth)
    )
    return [(int(a), int(level)) for a, level in rows.all()]


async def level_counts(session: AsyncSession, partner_id: int) -> list[tuple[int, int]]:
    """(level, partners) below ``partner_id``: level 1 are the ones they recruited."""
    rows = await session.execute(
        select(PartnerPath.depth, func.count())
        .where(PartnerPath.ancestor_id == partner_id, PartnerPath.depth > 0)
        .group_by(PartnerPath.depth)
        .order_by(PartnerPath.depth)
    )
    return [(int(depth), int(count)) for depth, count in rows.all()]
