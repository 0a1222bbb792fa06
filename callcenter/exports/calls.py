"""The call list as a file: the calls API's filters and the same visibility rule."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.calls.service import CallQuery
from callcenter.calls.service import _conditions as call_conditions
from callcenter.calls.service import _visible as calls_visible_to
from callcenter.clients.models import Client
from callcenter.errors import Forbidden
from callcenter.exports.columns import BATCH, Column, Rows
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission


class CallsExport:
    name: str = "calls"
    permissions: tuple[Permission, ...] = (Permission.CALLS_VIEW, Permission.DATA_EXPORT)
    columns: tuple[Column, ...] = (
        Column(N_("Started"), "datetime", 18),
        Column(N_("Direction"), "term", 10),
        Column(N_("Caller"), width=16),
        Column(N_("Callee"), width=16),
        Column(N_("Client"), width=30),
        Column(N_("Queue"), width=12),
        Column(N_("Agents"), width=16),
        Column(N_("Outcome"), "term", 12),
        Column(N_("Answered"), "datetime", 18),
        Column(N_("Ended"), "datetime", 18),
        Column(N_("Wait, s"), "number", 8),
        Column(N_("Talk, s"), "number", 8),
        Column(N_("Hold, s"), "number", 8),
        Column(N_("Call ID"), width=20),
    )

    async def rows(
        self, session: AsyncSession, query: CallQuery, *, actor: User, region: str
    ) -> Rows:
        if not all(actor.can(p) for p in self.permissions):
            raise Forbidden(N_("You may not export this list"))
        conds = call_conditions(query, region)
        if (visible := calls_visible_to(actor)) is not None:
            conds.append(visible)
        stmt = (
            select(
                CallRow.started_at,
                CallRow.direction,
                CallRow.caller,
                CallRow.callee,
                Client.name,
                CallRow.queue,
                func.array_to_string(CallRow.agents, ", "),
                CallRow.outcome,
                CallRow.answered_at,
                CallRow.ended_at,
                func.round(CallRow.wait_seconds),
                func.round(CallRow.talk_seconds),
                func.round(CallRow.hold_seconds),
                CallRow.linkedid,
            )
            .outerjoin(Client, Client.id == CallRow.client_id)
            .where(*conds)
            .order_by(CallRow.started_at.desc(), CallRow.id.desc())
        )
        result = await session.stream(stmt.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield [(*row[:10], *(int(v) for v in row[10:13]), row[13]) for row in batch]
