"""The agent's wrap-up of a campaign call: one of the campaign's dispositions, a refusal
reason for a refusal, a time for a callback, and a note. Recorded once per attempt.

A callback puts the contact back as ``retry`` at the time the customer asked for, held for
the agent who promised it (they are offered it first); any other disposition ends the
contact (``done``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.dialer.membership import works_on
from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.users.models import User

CALLBACK_WITHIN = timedelta(days=365)  # a callback further away is surely a typing slip
NOTE_MAX = 5000


class DispositionInvalid(Invalid):
    id = "disposition_invalid"


@dataclass(frozen=True)
class Disposition:
    code: str
    label: str
    kind: str  # success, refusal, callback, other


def dispositions_of(campaign: Campaign) -> list[Disposition]:
    """The campaign's dispositions as agents choose them (malformed entries left out)."""
    found = []
    for item in campaign.dispositions or []:
        if isinstance(item, dict) and item.get("code"):
            code = str(item["code"])
            found.append(Disposition(code, str(item.get("label") or code), item.get("kind", "")))
    return found


def _check(
    campaign: Campaign,
    *,
    disposition: str,
    refusal_reason: str,
    callback_at: datetime | None,
    note: str,
    now: datetime,
) -> Disposition:
    errors: dict[str, str] = {}
    chosen = next((d for d in dispositions_of(campaign) if d.code == disposition), None)
    if chosen is None:
        errors["disposition"] = N_("Choose one of the campaign's dispositions")
    elif chosen.kind == "refusal":
        if not refusal_reason:
            errors["refusal_reason"] = N_("A refusal needs its reason")
        elif campaign.refusal_reasons and refusal_reason not in campaign.refusal_reasons:
            errors["refusal_reason"] = N_("Choose one of the campaign's refusal reasons")
    elif chosen.kind == "callback":
        if callback_at is None:
            errors["callback_at"] = N_("Give the time to call back")
        elif not now - timedelta(minutes=1) <= callback_at <= now + CALLBACK_WITHIN:
            errors["callback_at"] = N_("The callback must be within a year from now")
    if len(note) > NOTE_MAX:
        errors["note"] = N_("The note is too long")
    if errors:
        raise DispositionInvalid(N_("Please correct the marked fields"), fields=errors)
    assert chosen is not None
    return chosen


async def set_disposition(
    session: AsyncSession,
    *,
    attempt_id: int,
    user: User,
    disposition: str,
    refusal_reason: str = "",
    callback_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> CampaignAttempt:
    """Record the agent's disposition of a campaign call, once, and move its contact."""
    now = now or utcnow()
    attempt = await session.get(CampaignAttempt, attempt_id)
    if attempt is None:
        raise NotFound(N_("No such campaign call"))
    campaign = await session.get(Campaign, attempt.campaign_id)
    assert campaign is not None
    if attempt.agent_id not in (None, user.id):
        raise Forbidden(N_("Another agent took this call"))
    if attempt.agent_id is None and not await works_on(session, campaign, user):
        raise Forbidden(N_("You do not work this campaign"))
    if attempt.outcome == "skipped":
        raise Invalid(N_("A skipped contact was not called"))
    refusal_reason, note = refusal_reason.strip(), note.strip()
    chosen = _check(
        campaign,
        disposition=disposition,
        refusal_reason=refusal_reason,
        callback_at=callback_at,
        note=note,
        now=now,
    )
    values: dict[str, Any] = {
        "disposition": chosen.code,
        "refusal_reason": refusal_reason if chosen.kind == "refusal" else "",
        "note": note,
        "dispositioned_at": now,
        "agent_id": func.coalesce(CampaignAttempt.agent_id, user.id),
    }
    recorded = await session.scalar(
        update(CampaignAttempt)
        .where(CampaignAttempt.id == attempt.id, CampaignAttempt.disposition == "")
        .values(**values)
        .returning(CampaignAttempt.id)
        .execution_options(synchronize_session=False)
    )
    if recorded is None:
        raise Conflict(N_("The disposition of this call is already recorded"))
    await session.refresh(attempt)
    await _move_contact(session, attempt, chosen, values["refusal_reason"], callback_at, user, now)
    return attempt


async def _move_contact(
    session: AsyncSession,
    attempt: CampaignAttempt,
    chosen: Disposition,
    refusal_reason: str,
    callback_at: datetime | None,
    user: User,
    now: datetime,
) -> None:
    contact = await session.scalar(
        select(CampaignContact).where(CampaignContact.id == attempt.contact_id).with_for_update()
    )
    assert contact is not None
    contact.disposition, contact.refusal_reason = chosen.code, refusal_reason
    contact.agent_id, contact.updated_at = user.id, now
    if chosen.kind == "callback":
        contact.state, contact.next_at = "retry", callback_at
    else:
        contact.state, contact.next_at = "done", None
    await session.flush()
