"""calls (callee, started_at) instead of (callee): a missed call's callback is the first
outbound call to its number after it, one index range instead of a bitmap of a week's calls;
campaign attempts that got a call indexed by linkedid apart (the calls report's campaign)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 10:05:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # built without blocking the listener's writes (a busy calls table takes a minute)
    with op.get_context().autocommit_block():
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_calls_callee_started "
            "ON calls (callee, started_at)"
        )
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_calls_callee")
        op.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_campaign_attempts_linked "
            "ON campaign_attempts (linkedid) WHERE linkedid <> ''"
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_calls_callee ON calls (callee)")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_calls_callee_started")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_campaign_attempts_linked")
