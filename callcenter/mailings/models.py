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
EVENT_KINDS = ("open", "click")
FOLLOW_UP_KINDS = ("clicked_no_order", "opened_no_click")


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
        CheckConstraint("attribution_days BETWEEN 1 AND 90", name="attribution_days"),
        CheckConstraint("reply_days BETWEEN 1 AND 90", name="reply_days"),
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
    # orders this many days after a recipient's open or click are the mailing's
    attribution_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # an inbound call this many days after the letter is a reply to it
    reply_days: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
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
    first_opened_at: Mapped[datetime | None]  # the pixel, or a click (a click is an open)
    first_clicked_at: Mapped[datetime | None]


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


class MailingLink(Base):
    """A link of a mailing's letters, as written (after the placeholders), numbered in the
    mailing from 1: the click redirect goes only to this stored URL."""

    __tablename__ = "mailing_links"
    __table_args__ = (
        UniqueConstraint("mailing_id", "number", name="uq_mailing_links_number"),
        UniqueConstraint("mailing_id", "url", name="uq_mailing_links_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)


class MailingEvent(Base):
    """A recipient opened the letter (the pixel) or clicked one of its links, at ``at``."""

    __tablename__ = "mailing_events"
    __table_args__ = (
        CheckConstraint(_check("kind", EVENT_KINDS), name="kind"),
        Index("ix_mailing_events_recipient", "recipient_id", "at"),
        Index("ix_mailing_events_link", "link_id", postgresql_where="link_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("mailing_recipients.id", ondelete="CASCADE")
    )
    link_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_links.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(5))
    at: Mapped[datetime] = mapped_column(server_default=func.now())


class AudienceMember(Base):
    """A client named by a file uploaded as a draft mailing's audience."""

    __tablename__ = "mailing_audience_members"

    mailing_id: Mapped[int] = mapped_column(
        ForeignKey("mailings.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FollowUp(Base):
    """The outbound call campaign made from a mailing's recipients of one kind (those who
    clicked but did not buy, those who opened but did not click): one per mailing and kind."""

    __tablename__ = "mailing_follow_ups"
    __table_args__ = (CheckConstraint(_check("kind", FOLLOW_UP_KINDS), name="kind"),)

    mailing_id: Mapped[int] = mapped_column(
        ForeignKey("mailings.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
