"""Rollup bookkeeping: how far each rollup has caught up with the rows it sums."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.calls.models import CallRow
from callcenter.db import Base
from callcenter.floor.models import AgentStateRow


class RollupMark(Base):
    """A rollup's watermark: raw rows changed before ``mark`` are in its buckets."""

    __tablename__ = "report_rollup_marks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    mark: Mapped[datetime]
    refreshed_at: Mapped[datetime]
    buckets: Mapped[int] = mapped_column(Integer, default=0)  # rebuilt by the last run


# The rollups find what changed since their mark by these (see refresh.py): calls are
# stamped on every save, agent stretches are stored as they end.
Index("ix_calls_updated_at", CallRow.__table__.c.updated_at)
Index("ix_agent_states_ended", AgentStateRow.__table__.c.ended_at)


class ReportDeletion(Base):
    """A moment a hard-deleted row counted at, and its client: the rollups rebuild what it
    touched (``deletions.py``). Written by whatever deletes, before it deletes."""

    __tablename__ = "report_deletions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    client_id: Mapped[int | None]  # no foreign key: the client may be the one deleted
    at: Mapped[datetime]
