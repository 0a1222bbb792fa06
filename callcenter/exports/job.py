"""An export as a back-office job: the list's file made in a child process (see
callcenter/backoffice), its bytes streamed back to the web process as they are made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.backoffice.frames import Output
from callcenter.errors import Forbidden
from callcenter.exports.columns import ExportList
from callcenter.exports.stream import export_list, export_rows
from callcenter.i18n import N_, translations
from callcenter.users.models import User

CAMPAIGN_LISTS = ("campaign contacts", "campaign attempts")


@dataclass(frozen=True)
class ExportJob:
    """``list_name`` is one of the exported lists, or a campaign's (``query`` is then the
    campaign's id); the rest is what the request said and who asked, checked again here."""

    list_name: str
    query: Any
    actor_id: int
    file_format: str
    region: str
    language: str
    timezone: str
    delimiter: str = ""

    async def __call__(self, sessionmaker: async_sessionmaker, out: Output) -> None:
        async with sessionmaker() as session:
            actor = await session.get(User, self.actor_id)
            if actor is None or not actor.active:
                raise Forbidden(N_("You may not export this list"))
            listing, query = await self._listing(session, actor)
            chunks = export_rows(
                session,
                listing,
                query,
                file_format=self.file_format,
                actor=actor,
                region=self.region,
                language=self.language,
                timezone=self.timezone,
                gettext=translations(self.language).gettext,
                delimiter=self.delimiter,
            )
            async for chunk in chunks:
                out.write(chunk)

    async def _listing(self, session: AsyncSession, actor: User) -> tuple[ExportList, Any]:
        if self.list_name not in CAMPAIGN_LISTS:
            return export_list(self.list_name), self.query
        from callcenter.dialer.campaigns import get_campaign
        from callcenter.dialer.results import AttemptResults, ContactResults

        campaign = await get_campaign(session, self.query, actor=actor)
        listing = ContactResults() if self.list_name == CAMPAIGN_LISTS[0] else AttemptResults()
        return listing, campaign
