"""An import's "partner code" column: each row's client attributed to that partner.

Cleaning checks the code against the partners loaded once per import (an unknown or
suspended partner's code, or an importer who may not attribute, makes the row bad, and a
bad row fails the whole import). Writing is one statement for the file, after its clients
are in: as everywhere but the client card, the first attribution wins (``INSERT ... ON
CONFLICT DO NOTHING``); a client who came through another partner keeps them and the offer is
audited (``attribution_kept``), like each new attribution (``attributed``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.i18n import N_
from callcenter.partners.models import Partner
from callcenter.partners.periods import local_today
from callcenter.users.models import User
from callcenter.users.roles import Permission

if TYPE_CHECKING:
    import asyncpg

ATTRIBUTE_SQL = """
WITH offered AS (
  SELECT DISTINCT ON (o.client_id) o.client_id, o.partner_id
  FROM unnest($1::int[], $2::int[], $3::int[]) AS o(client_id, partner_id, line)
  ORDER BY o.client_id, o.line
), before AS (
  SELECT a.client_id, a.partner_id FROM client_attributions a JOIN offered USING (client_id)
), made AS (
  INSERT INTO client_attributions (client_id, partner_id, attributed_on, source, by_id)
  SELECT client_id, partner_id, $4::date, 'import', $5::int FROM offered
  ON CONFLICT (client_id) DO NOTHING
  RETURNING client_id
)
SELECT o.client_id, o.client_id IN (SELECT client_id FROM made) AS made,
       offered_partner.code AS offered, kept_partner.code AS kept
FROM offered o
JOIN partners offered_partner ON offered_partner.id = o.partner_id
LEFT JOIN before b ON b.client_id = o.client_id
LEFT JOIN partners kept_partner ON kept_partner.id = b.partner_id
ORDER BY o.client_id
"""


@dataclass(frozen=True)
class PartnerCodes:
    """Every partner's code -> (id, active); None when the importer may not attribute."""

    codes: dict[str, tuple[int, bool]] | None


async def load_partner_codes(session: AsyncSession, actor: User) -> PartnerCodes:
    if not actor.can(Permission.PARTNERS_MANAGE):
        return PartnerCodes(None)
    rows = await session.execute(select(Partner.code, Partner.id, Partner.status))
    return PartnerCodes({code: (pid, status == "active") for code, pid, status in rows.all()})


def clean_partner_code(text: str, known: PartnerCodes, errors: dict[str, str]) -> int | None:
    """The partner's id for a row's code (None when the cell is empty); errors otherwise."""
    code = text.strip().upper()
    if not code:
        return None
    if known.codes is None:
        errors["partner_code"] = N_("You may not attribute clients to partners")
        return None
    found = known.codes.get(code[:20]) if len(code) <= 20 else None
    if found is None:
        errors["partner_code"] = N_("No partner has this code")
        return None
    if not found[1]:
        errors["partner_code"] = N_("This partner is suspended")
        return None
    return found[0]


async def attribute_imported(
    conn: asyncpg.Connection,
    offers: list[tuple[int, int, int]],
    *,
    actor: User,
    import_id: int,
) -> int:
    """``offers``: (client id, partner id, line); the first line per client counts. Returns
    how many clients were attributed now."""
    if not offers:
        return 0
    client_ids, partner_ids, lines = (list(column) for column in zip(*offers, strict=True))
    rows = await conn.fetch(
        ATTRIBUTE_SQL, client_ids, partner_ids, lines, local_today(actor), actor.id
    )
    audit = []
    for row in rows:
        changes: dict[str, list] = {"import": [None, import_id]}
        if row["made"]:
            action = "attributed"
            changes |= {"partner": [None, row["offered"]], "source": [None, "import"]}
        elif row["kept"] != row["offered"]:
            action = "attribution_kept"
            changes |= {"partner": [None, row["kept"]], "offered": [None, row["offered"]]}
        else:
            continue
        audit.append((actor.id, "client", row["client_id"], action, json.dumps(changes)))
    await conn.copy_records_to_table(
        "audit_log", records=audit, columns=("user_id", "entity", "entity_id", "action", "changes")
    )
    return sum(1 for row in rows if row["made"])
