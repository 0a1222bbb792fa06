"""do_once_constraints: what must happen once is made once by the database

- ``uq_pbx_commands_one_dial_per_user``: at most one call being placed from a user's phone
  (two tabs or a retried click-to-call dialed the customer twice). Rows that already break
  it are resolved first, on a live database too: of a user's calls being placed, all but
  the newest are given up (failed, "no news from the PBX"), as the next dial would have.
- ``invoice_payments.request_key`` and ``call_wrapups.request_key``, unique per invoice and
  per call: a payment form or a wrap-up sent twice (a double click, a resent request) is
  recorded once. Existing rows have no key, so nothing to resolve.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# as callcenter.floor.models.PLACING (copied: a migration does not change with the code)
PLACING = (
    "kind = 'originate' AND user_id IS NOT NULL AND (state IN ('queued', 'sending')"
    " OR (state = 'done' AND progress IN ('ringing_you', 'calling_customer')))"
)


def upgrade() -> None:
    # no new duplicate may come in between resolving them and building the index
    op.execute("LOCK TABLE pbx_commands IN SHARE ROW EXCLUSIVE MODE")
    op.execute(
        f"""
        UPDATE pbx_commands
        SET state = CASE WHEN state IN ('queued', 'sending') THEN 'failed' ELSE state END,
            progress = 'failed',
            message = 'given_up',
            done_at = coalesce(done_at, now())
        WHERE {PLACING}
          AND id NOT IN (SELECT max(id) FROM pbx_commands WHERE {PLACING} GROUP BY user_id)
        """
    )
    op.create_index(
        "uq_pbx_commands_one_dial_per_user",
        "pbx_commands",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(PLACING),
    )
    op.add_column("invoice_payments", sa.Column("request_key", sa.String(120), nullable=True))
    op.create_unique_constraint(
        "uq_invoice_payments_request_key", "invoice_payments", ["invoice_id", "request_key"]
    )
    op.add_column("call_wrapups", sa.Column("request_key", sa.String(120), nullable=True))
    op.create_unique_constraint(
        "uq_call_wrapups_request_key", "call_wrapups", ["call_id", "request_key"]
    )


def downgrade() -> None:
    op.drop_constraint("uq_call_wrapups_request_key", "call_wrapups", type_="unique")
    op.drop_column("call_wrapups", "request_key")
    op.drop_constraint("uq_invoice_payments_request_key", "invoice_payments", type_="unique")
    op.drop_column("invoice_payments", "request_key")
    op.drop_index("uq_pbx_commands_one_dial_per_user", table_name="pbx_commands")
