"""Queues, agents and their history as stored; the PBX command outbox; do-not-call numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

# an Originate still being placed: not sent yet, or the user's phone or the customer's ringing
PLACING = (
    "kind = 'originate' AND user_id IS NOT NULL AND (state IN ('queued', 'sending')"
    " OR (state = 'done' AND progress IN ('ringing_you', 'calling_customer')))"
)


class QueueRow(Base):
    """A PBX queue (the list is read from the PBX) and what the CRM adds to it."""

    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("pbx", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(120), default="")  # a name for people
    service_level_seconds: Mapped[int] = mapped_column(Integer, default=20)
    wrapup_seconds: Mapped[int] = mapped_column(Integer, default=0)
    strategy: Mapped[str] = mapped_column(String(40), default="")
    pbx_service_level_seconds: Mapped[int] = mapped_column(Integer, default=0)
    on_pbx: Mapped[bool] = mapped_column(Boolean, default=True)  # seen in the last QueueStatus
    seen_at: Mapped[datetime | None]
    # who may log in: empty = every operator; else these users only
    allowed_user_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list)
    # the wallboard's thresholds (``floor/alerts.py``): a figure at or past amber or red turns
    # that colour; None, no alert. Waiting callers, the longest wait in seconds, and the
    # service level in percent (at or BELOW its thresholds, as lower is worse)
    alert_waiting_amber: Mapped[int | None] = mapped_column(Integer)
    alert_waiting_red: Mapped[int | None] = mapped_column(Integer)
    alert_wait_amber: Mapped[int | None] = mapped_column(Integer)
    alert_wait_red: Mapped[int | None] = mapped_column(Integer)
    alert_service_level_amber: Mapped[int | None] = mapped_column(Integer)
    alert_service_level_red: Mapped[int | None] = mapped_column(Integer)


class PauseReason(Base):
    __tablename__ = "pause_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class AgentRow(Base):
    """An agent's status now, as the leading listener last saw it."""

    __tablename__ = "agents"

    pbx: Mapped[str] = mapped_column(String(40), primary_key=True)
    interface: Mapped[str] = mapped_column(String(120), primary_key=True)
    extension: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(80), default="")
    since: Mapped[datetime]
    queues: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list)
    paused_queues: Mapped[list[str]] = mapped_column(ARRAY(String(80)), default=list)
    linkedid: Mapped[str] = mapped_column(String(64), default="")
    queue: Mapped[str] = mapped_column(String(80), default="")
    wrapup_until: Mapped[datetime | None]


class AgentStateRow(Base):
    """One finished stretch of an agent in one status: agent time reports sum these."""

    __tablename__ = "agent_states"
    __table_args__ = (
        Index("ix_agent_states_extension_started", "extension", "started_at"),
        Index("ix_agent_states_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    interface: Mapped[str] = mapped_column(String(120))
    extension: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]


class StintRow(Base):
    """One caller's visit to one queue (queue_log's ENTERQUEUE ... CONNECT/ABANDON)."""

    __tablename__ = "queue_stints"
    __table_args__ = (
        Index("ix_queue_stints_queue_entered", "queue", "entered_at"),
        Index("ix_queue_stints_entered", "entered_at"),
        Index(
            "ix_queue_stints_open",
            "queue",
            postgresql_where="outcome IN ('waiting', 'connected')",
        ),
        Index("ix_queue_stints_ended", "ended_at", postgresql_where="ended_at IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    key: Mapped[str] = mapped_column(String(200), unique=True)
    queue: Mapped[str] = mapped_column(String(80))
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(64), default="")
    entered_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer, default=0)
    connected_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    agent: Mapped[str] = mapped_column(String(120), default="")
    ended_by: Mapped[str] = mapped_column(String(12), default="")


class AgentLogin(Base):
    """Queues an agent is meant to be in (what the CRM asked): re-added after a PBX restart."""

    __tablename__ = "agent_logins"

    pbx: Mapped[str] = mapped_column(String(40), primary_key=True)
    queue: Mapped[str] = mapped_column(String(80), primary_key=True)
    interface: Mapped[str] = mapped_column(String(120), primary_key=True)
    member_name: Mapped[str] = mapped_column(String(120), default="")
    state_interface: Mapped[str] = mapped_column(String(120), default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PbxCommand(Base):
    """An action for the PBX, queued by any process and sent once by the leading listener.

    ``key`` makes a request idempotent (a retried click-to-call finds its first command).
    A command is sent at most once: one lost with the link is failed, never resent. A user
    has at most one call being placed at a time (``uq_pbx_commands_one_dial_per_user``, see
    ``callcenter.floor.placing``).
    """

    __tablename__ = "pbx_commands"
    __table_args__ = (
        Index("ix_pbx_commands_queued", "pbx", "id", postgresql_where="state = 'queued'"),
        Index("ix_pbx_commands_user_created", "user_id", "created_at"),
        Index(
            "uq_pbx_commands_one_dial_per_user",
            "user_id",
            unique=True,
            postgresql_where=text(PLACING),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    kind: Mapped[str] = mapped_column(String(20))  # originate, queue_add, queue_remove, pause
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="queued")  # sending, done, failed
    message: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[str] = mapped_column(String(20), default="")  # click-to-call's stage
    linkedid: Mapped[str] = mapped_column(String(64), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]


class DoNotCall(Base):
    """A number never to be dialed out (globally; campaigns add their own lists later)."""

    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    e164: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
