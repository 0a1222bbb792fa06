from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db import Base


class CallRow(Base):
    """A conversation as stored: one row per Asterisk ``Linkedid``, live until ``ended_at``."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_client_started", "client_id", "started_at"),
        Index("ix_calls_caller_started", "caller", "started_at"),  # the pop's last calls
        Index("ix_calls_callee_started", "callee", "started_at"),  # callbacks, last calls
        Index("ix_calls_live", "ended_at", postgresql_where="ended_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    linkedid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10))
    caller: Mapped[str] = mapped_column(String(64), default="")
    callee: Mapped[str] = mapped_column(String(64), default="")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    queue: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(12))
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    recording: Mapped[str] = mapped_column(String(255), default="")
    agents: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list)
    # ended unheard (link lost, CRM restarted): the end lies between ended_at and this
    end_uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ended_latest_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    legs: Mapped[list[CallLegRow]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallLegRow.started_at"
    )


class CallLegRow(Base):
    """One channel of a call (``Uniqueid``); an agent's leg carries the agent and their user."""

    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(200))
    agent: Mapped[str] = mapped_column(String(80), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)

    call: Mapped[CallRow] = relationship(back_populates="legs")


class CallEventRow(Base):
    """The call's timeline: significant moments, numbered so saving twice stores them once."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_call_events_call_seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    uniqueid: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class CallWrapup(Base):
    """What the operator records after a call: its result, a note, and maybe a follow-up.
    ``request_key`` is the pop's wrap-up form's own key: sent twice, it is recorded once."""

    __tablename__ = "call_wrapups"
    __table_args__ = (
        UniqueConstraint("call_id", "request_key", name="uq_call_wrapups_request_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    follow_up_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    request_key: Mapped[str | None] = mapped_column(String(120))


class LeaderTerm(Base):
    """The term of each led job family (``callcenter.leadership``): a new leader claims the
    next epoch, and a led job's writes check theirs is still the newest (fencing)."""

    __tablename__ = "leader_terms"

    family: Mapped[str] = mapped_column(String(80), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
    leader: Mapped[str] = mapped_column(String(120))  # host:pid
    started_at: Mapped[datetime]


class PbxStatus(Base):
    """The leading listener's heartbeat, so every process's /health can tell the PBX link."""

    __tablename__ = "pbx_status"

    pbx: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    leader: Mapped[str] = mapped_column(String(120), default="")  # host:pid
    last_event_at: Mapped[datetime | None]
    backlog: Mapped[int] = mapped_column(Integer, default=0)
    events_handled: Mapped[int] = mapped_column(BigInteger, default=0)
    reconnects: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    # when the PBX itself last started ("<date> <time>" from CoreStatus): a change means
    # Asterisk restarted and dropped its dynamic queue members
    pbx_started: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # what the previous leader last heard, kept when a new leader takes over: calls and
    # queue visits that ended while no process listened ended after it
    previous_heard_at: Mapped[datetime | None]
