"""Outbound campaigns as stored: the campaign, its contacts, every dial attempt, consents.

The dialing state lives here, not in a process: a contact being dialed is ``dialing`` with
the attempt that dials it, so a restart finds it, and no contact is dialed twice at once.
An attempt is recorded once, keyed by the Originate's ActionID.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

MODES = ("preview", "progressive", "predictive")
# draft -> running <-> paused -> stopped; running -> finished when no contact is left
STATES = ("draft", "running", "paused", "stopped", "finished")
# pending (never dialed), dialing (an attempt in flight), retry (waits for next_at),
# done (reached and dispositioned, or a final outcome), exhausted (attempts used up),
# excluded (DNC, no consent, invalid number: never dialed, reason in last_outcome)
CONTACT_STATES = ("pending", "dialing", "retry", "done", "exhausted", "excluded")
# what an attempt came to; the retry rules are keyed by the first five
OUTCOMES = (
    "busy",
    "no_answer",
    "failed",
    "machine",
    "congestion",
    "answered",  # the customer picked up (an agent took it: see connected_at)
    "abandoned",  # picked up, but no agent took it within the grace time
    "skipped",  # preview: the agent skipped the contact
)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(12), default="progressive")
    state: Mapped[str] = mapped_column(String(10), default="draft")
    pbx: Mapped[str] = mapped_column(String(40), default="default")
    # who takes the calls: a queue's logged-in agents, or the users named here
    queue: Mapped[str] = mapped_column(String(80), default="")
    agent_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    caller_id: Mapped[str] = mapped_column(String(80), default="")
    script: Mapped[str] = mapped_column(Text, default="")
    # [{"code": "sale", "label": "Sale", "kind": "success|refusal|callback|other"}]
    dispositions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    refusal_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    advertising: Mapped[bool] = mapped_column(Boolean, default=False)  # consent needed
    # schedule: dates (inclusive), ISO weekdays 1-7, hours in the contact's local time
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), default=list)
    window_from: Mapped[time] = mapped_column(default=time(9, 0))
    window_to: Mapped[time] = mapped_column(default=time(21, 0))
    # {"busy": {"after_minutes": 15, "max": 3}, "no_answer": ..., "failed": ..., "machine": ...}
    retry_rules: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    ring_seconds: Mapped[int] = mapped_column(Integer, default=25)
    max_dial_ratio: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("3.00"))
    abandon_cap_percent: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("3.00"))
    abandon_grace_seconds: Mapped[int] = mapped_column(Integer, default=2)
    # what the pacing decided last (written by the dialer every few seconds)
    dial_ratio: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1.00"))
    paced_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]


class CampaignContact(Base):
    __tablename__ = "campaign_contacts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "e164"),
        Index(
            "ix_campaign_contacts_due",
            "campaign_id",
            "next_at",
            postgresql_where="state IN ('pending', 'retry')",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    e164: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(40), default="")  # IANA; "" = unknown
    timezone_source: Mapped[str] = mapped_column(String(10), default="")  # address, phone
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None]  # not dialed before this moment
    last_outcome: Mapped[str] = mapped_column(String(40), default="")
    disposition: Mapped[str] = mapped_column(String(40), default="")
    refusal_reason: Mapped[str] = mapped_column(String(200), default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CampaignAttempt(Base):
    __tablename__ = "campaign_attempts"
    __table_args__ = (
        Index("ix_campaign_attempts_campaign_started", "campaign_id", "started_at"),
        # the attempts that got a call: the calls report finds a call's campaign by it
        Index("ix_campaign_attempts_linked", "linkedid", postgresql_where=text("linkedid <> ''")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_contacts.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[str] = mapped_column(String(80), unique=True)  # the Originate's ActionID
    number: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    answered_at: Mapped[datetime | None]  # the customer picked up
    connected_at: Mapped[datetime | None]  # an agent took the call
    ended_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(12), default="")  # "" while in flight
    hangup_cause: Mapped[int | None] = mapped_column(Integer)
    linkedid: Mapped[str] = mapped_column(String(64), default="", index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agent_interface: Mapped[str] = mapped_column(String(120), default="")
    disposition: Mapped[str] = mapped_column(String(40), default="")
    refusal_reason: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    dispositioned_at: Mapped[datetime | None]


class CampaignDoNotCall(Base):
    """A number this campaign must not dial (the global list is ``do_not_call``)."""

    __tablename__ = "campaign_do_not_call"
    __table_args__ = (UniqueConstraint("campaign_id", "e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


CONSENT_CHANNELS = ("call", "sms", "email")


class Consent(Base):
    """A contact's recorded consent to advertising by one channel (calls or SMS to a number,
    e-mail to an address): who gave it, when, how. Withdrawn consent stays on record with
    ``withdrawn_at``."""

    __tablename__ = "contact_consents"
    __table_args__ = (
        CheckConstraint(
            "channel = 'email' AND email IS NOT NULL AND e164 IS NULL"
            " OR channel IN ('call', 'sms') AND e164 IS NOT NULL AND email IS NULL",
            name="one_contact",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default="call", server_default="call")
    e164: Mapped[str | None] = mapped_column(String(20), index=True)  # calls and SMS
    email: Mapped[str | None] = mapped_column(String(254), index=True)  # lowercased
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    given_by: Mapped[str] = mapped_column(String(300))  # the person who consented
    given_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(40))  # call, web form, paper, sms ...
    evidence: Mapped[str] = mapped_column(Text, default="")  # a reference: recording, document
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
