"""consent channels: each consent to advertising is for one channel, calls, SMS or e-mail
(38-FZ art. 18 asks for the recipient's consent to advertising by that means). Those recorded
so far were recorded as consents to advertising calls, and stay that; an e-mail consent
names its address (lowercased) where the others name a number.

Revision ID: 0050
Revises: 0047
Create Date: 2026-12-15 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0047"
branch_labels = None
depends_on = None

ONE_CONTACT = (
    "channel = 'email' AND email IS NOT NULL AND e164 IS NULL"
    " OR channel IN ('call', 'sms') AND e164 IS NOT NULL AND email IS NULL"
)


def upgrade() -> None:
    op.add_column(
        "contact_consents",
        sa.Column("channel", sa.String(length=10), server_default="call", nullable=False),
    )
    op.add_column("contact_consents", sa.Column("email", sa.String(length=254), nullable=True))
    op.alter_column("contact_consents", "e164", existing_type=sa.String(length=20), nullable=True)
    op.create_check_constraint(op.f("ck_contact_consents_one_contact"), "contact_consents",
                               ONE_CONTACT)  # fmt: skip
    op.create_index(op.f("ix_contact_consents_email"), "contact_consents", ["email"])


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_consents_email"), table_name="contact_consents")
    op.drop_constraint(op.f("ck_contact_consents_one_contact"), "contact_consents", type_="check")
    op.execute("DELETE FROM contact_consents WHERE channel = 'email'")
    op.alter_column("contact_consents", "e164", existing_type=sa.String(length=20), nullable=False)
    op.drop_column("contact_consents", "email")
    op.drop_column("contact_consents", "channel")
