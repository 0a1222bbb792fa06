"""A mailing, its recipients (one row per mailing and client, one per address among those
sendable: nobody gets a mailing twice) and the addresses suppressed for good."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base

CHANNELS = ("email", "sms")
KINDS = ("advertising", "service")
STATES = ("draft", "scheduled", "sending", "paused", "cancelled", "done")
RECIPIENT_STATES = ("queued", "sending", "sent", "delivered", "failed", "bounced", "skipped")
SUPPRESSION_REASONS = ("unsubscribed", "bounced")


def _check(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Mailing(Base):
    """What to send to whom and when. ``audience`` is the client list's filters (a saved
    segment among them) as given; the recipients are made from it when it is scheduled."""

    __tablename__ = "mailings"
    __table_args__ = (
        CheckConstraint(_check("channel", CHANNELS), name="channel"),
        CheckConstraint(_check("kind", KINDS), name="kind"),
        CheckConstraint(_check("state", STATES), name="state"),
        CheckConstraint("rate_per_minute > 0", name="rate"),
        Index("ix_mailings_due", "starts_at", postgresql_where="state IN ('scheduled', 'sending')"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10), default="email")
    kind: Mapped[str] = mapped_column(String(20), default="advertising")
    audience: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    subject: Mapped[str] = mapped_column(String(998), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="draft")
    starts_at: Mapped[datetime | None]  # None: as soon as it is scheduled
    window_from: Mapped[time] = mapped_column(default=time(9, 0))  # the recipient's local time
    window_to: Mapped[time] = mapped_column(default=time(21, 0))
    rate_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    scheduled_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class MailingRecipient(Base):
    """One client of a mailing's audience: to be sent (``queued``), at the wire (``sending``:
    ``handed_at`` set the moment before the message leaves), or done (``delivered`` when an
    SMS provider confirmed it); ``skipped`` rows keep why the client was left out. ``address``
    is an e-mail address or, for an SMS mailing, an E.164 number. ``zones`` are the
    recipient's candidate time zones."""

    __tablename__ = "mailing_recipients"
    __table_args__ = (
        CheckConstraint(_check("state", RECIPIENT_STATES), name="state"),
        UniqueConstraint("mailing_id", "client_id", name="uq_mailing_recipients_client"),
        # the one guarantee that nobody is sent twice: one sendable row per address
        Index(
            "uq_mailing_recipients_address",
            "mailing_id",
            "address",
            unique=True,
            postgresql_where="state <> 'skipped'",
        ),
        Index(
            "ix_mailing_recipients_due",
            "mailing_id",
            "next_try_at",
            postgresql_where="state = 'queued'",
        ),  # fmt: skip
        Index("ix_mailing_recipients_state", "mailing_id", "state"),
        # a text sent, its delivery not known yet: what the status poll asks about
        Index("ix_mailing_recipients_unconfirmed", "checked_at",
              postgresql_where="state = 'sent' AND message_id <> ''"),
        Index("ix_mailing_recipients_message", "message_id",
              postgresql_where="message_id <> ''"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(254), default="")
    zones: Mapped[str] = mapped_column(String(200), default="")  # comma-separated IANA zones
    state: Mapped[str] = mapped_column(String(10), default="queued")
    reason: Mapped[str] = mapped_column(Text, default="")  # why skipped, or the last error
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(server_default=func.now())
    claimed_at: Mapped[datetime | None]  # taken by a sender (state sending)
    handed_at: Mapped[datetime | None]  # given to the SMTP server: never sent again
    sent_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    # a text message: the provider that took it, its id there, when delivery was last asked
    # for and when the provider confirmed it (state ``delivered``)
    provider: Mapped[str] = mapped_column(String(20), default="")
    message_id: Mapped[str] = mapped_column(String(64), default="")
    checked_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class Suppression(Base):
    """An address (or an E.164 number) that gets no more mailings: unsubscribed by its owner
    (by the link, or by texting STOP to the provider), or bounced (a permanent SMTP refusal).
    Order e-mails and texts and other service messages are not held back."""

    __tablename__ = "mailing_suppressions"
    __table_args__ = (
        CheckConstraint(_check("reason", SUPPRESSION_REASONS), name="reason"),
        UniqueConstraint("address", "reason", name="uq_mailing_suppressions_address"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(254))  # lower case
    reason: Mapped[str] = mapped_column(String(20))
    mailing_id: Mapped[int | None] = mapped_column(
        ForeignKey("mailings.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
