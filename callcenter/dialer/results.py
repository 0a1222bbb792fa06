"""A campaign's results: its attempts page by page, its contacts and attempts as files."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.models import Campaign, CampaignAttempt, CampaignContact
from callcenter.dialer.terms import (
    ATTEMPT_OUTCOME_LABELS,
    CONTACT_STATE_LABELS,
    OUTCOME_LABELS,
)
from callcenter.errors import Forbidden
from callcenter.exports.columns import BATCH, Column, Rows
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission

RESULT_LISTS = (N_("campaign contacts"), N_("campaign attempts"))  # file and sheet names


@dataclass
class AttemptPage:
    rows: list[tuple[CampaignAttempt, CampaignContact, User | None]]
    total: int
    page: int
    per_page: int


async def list_attempts(
    session: AsyncSession, campaign_id: int, *, page: int = 1, per_page: int = 100
) -> AttemptPage:
    """Every attempt, the first dialed first (the caller checked access to the campaign)."""
    per_page, page = min(max(per_page, 1), 1000), max(page, 1)
    rows = await session.execute(
        select(CampaignAttempt, CampaignContact, User)
        .join(CampaignContact, CampaignContact.id == CampaignAttempt.contact_id)
        .outerjoin(User, User.id == CampaignAttempt.agent_id)
        .where(CampaignAttempt.campaign_id == campaign_id)
        .order_by(CampaignAttempt.started_at, CampaignAttempt.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    total = await session.scalar(
        select(func.count()).where(CampaignAttempt.campaign_id == campaign_id)
    )
    return AttemptPage([(a, c, u) for a, c, u in rows], total or 0, page, per_page)


def _agent_name() -> Any:
    return func.coalesce(func.nullif(User.full_name, ""), User.login)


def _labels(campaign: Campaign) -> dict[str, str]:
    return {d.get("code", ""): d.get("label", "") for d in campaign.dispositions or []}


class _CampaignList(ABC):
    """A campaign's export: the subclass names its columns and the query giving them."""

    name: str = ""
    columns: tuple[Column, ...] = ()
    permissions: tuple[Permission, ...] = (Permission.CAMPAIGNS_VIEW, Permission.DATA_EXPORT)
    disposition_column = 0
    words: dict[int, dict[str, str]] = {}  # columns whose codes are shown as words

    @abstractmethod
    def statement(self, campaign: Campaign) -> Select:
        """The rows of this export, in column order."""

    async def rows(self, session: AsyncSession, query: Any, *, actor: User, region: str) -> Rows:
        """``query`` is the campaign, its access already checked by the caller."""
        if not all(actor.can(p) for p in self.permissions):
            raise Forbidden(N_("You may not export this list"))
        words = {self.disposition_column: _labels(query), **self.words}
        stmt = self.statement(query).execution_options(yield_per=BATCH)
        result = await session.stream(stmt)
        async for batch in result.partitions(BATCH):
            yield [
                tuple(words[i].get(v, v) if i in words else v for i, v in enumerate(row))
                for row in batch
            ]


class ContactResults(_CampaignList):
    """One row per contact: where it stands and what came of it."""

    name: str = "campaign contacts"
    disposition_column = 7
    words = {4: CONTACT_STATE_LABELS, 6: OUTCOME_LABELS}
    columns: tuple[Column, ...] = (
        Column(N_("Contact no."), "number", 10),
        Column(N_("Name"), width=30),
        Column(N_("Client no."), "number", 10),
        Column(N_("Phone"), width=16),
        Column(N_("State"), "term", 12),
        Column(N_("Attempts"), "number", 9),
        Column(N_("Last outcome"), "term", 14),
        Column(N_("Disposition"), width=18),
        Column(N_("Refusal reason"), width=24),
        Column(N_("Agent"), width=18),
        Column(N_("Next call"), "datetime", 18),
        Column(N_("Updated"), "datetime", 18),
    )

    def statement(self, campaign: Campaign) -> Select:
        c = CampaignContact
        return (
            select(
                c.id,
                c.name,
                c.client_id,
                c.e164,
                c.state,
                c.attempts,
                c.last_outcome,
                c.disposition,
                c.refusal_reason,
                _agent_name(),
                c.next_at,
                c.updated_at,
            )  # fmt: skip
            .outerjoin(User, User.id == c.agent_id)
            .where(c.campaign_id == campaign.id)
            .order_by(c.id)
        )


class AttemptResults(_CampaignList):
    """One row per attempt, as ``GET /api/v1/campaigns/{id}/attempts`` lists them."""

    name: str = "campaign attempts"
    disposition_column = 9
    words = {7: ATTEMPT_OUTCOME_LABELS}
    columns: tuple[Column, ...] = (
        Column(N_("Attempt no."), "number", 10),
        Column(N_("Name"), width=30),
        Column(N_("Client no."), "number", 10),
        Column(N_("Phone"), width=16),
        Column(N_("Started"), "datetime", 18),
        Column(N_("Answered"), "datetime", 18),
        Column(N_("Ended"), "datetime", 18),
        Column(N_("Outcome"), "term", 12),
        Column(N_("Hangup cause"), "number", 8),
        Column(N_("Disposition"), width=18),
        Column(N_("Refusal reason"), width=24),
        Column(N_("Agent"), width=18),
        Column(N_("Note"), width=40),
    )

    def statement(self, campaign: Campaign) -> Select:
        a, c = CampaignAttempt, CampaignContact
        return (
            select(
                a.id,
                c.name,
                c.client_id,
                a.number,
                a.started_at,
                a.answered_at,
                a.ended_at,
                a.outcome,
                a.hangup_cause,
                a.disposition,
                a.refusal_reason,
                _agent_name(),
                a.note,
            )  # fmt: skip
            .join(c, c.id == a.contact_id)
            .outerjoin(User, User.id == a.agent_id)
            .where(a.campaign_id == campaign.id)
            .order_by(a.started_at, a.id)
        )
