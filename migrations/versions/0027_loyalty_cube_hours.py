"""loyalty_cube_hours: the loyalty figures per UTC hour by the client's owner, channel and
segment together, for the loyalty report kept to two or three of them (which was refused);
built by the next refresh, which this revision asks to rebuild loyalty_hours with it

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 13:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SUMS = (
    "orders", "first_orders", "repeat_orders", "revenue", "repeat_revenue", "gap_seconds",
    "gaps_30", "gaps_90", "gaps_180", "gaps_365", "gaps_longer", "client_calls",
    "repeat_calls", "feedback", "complaints", "nps_answers", "promoters", "detractors",
    "ratings", "rating_total",
)  # fmt: skip
MONEY = ("revenue", "repeat_revenue")


def _sum(name: str) -> sa.Column:
    kind: sa.types.TypeEngine = sa.Integer()
    if name in MONEY:
        kind = sa.Numeric(16, 2)
    elif name == "gap_seconds":
        kind = sa.Float()
    return sa.Column(name, kind, nullable=False, server_default="0")


def upgrade() -> None:
    op.create_table(
        "loyalty_cube_hours",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        *(_sum(name) for name in SUMS),
        sa.PrimaryKeyConstraint(
            "hour", "owner_id", "channel_id", "segment_id", name=op.f("pk_loyalty_cube_hours")
        ),
    )
    for name, columns in (
        ("owner", ["owner_id", "channel_id", "hour"]),
        ("channel", ["channel_id", "segment_id", "hour"]),
        ("segment", ["segment_id", "owner_id", "hour"]),
    ):
        op.create_index(f"ix_loyalty_cube_hours_{name}", "loyalty_cube_hours", columns)
    # the next refresh rebuilds loyalty_hours from scratch, and the cube with it
    op.execute("DELETE FROM report_rollup_marks WHERE name = 'loyalty_hours'")


def downgrade() -> None:
    op.drop_table("loyalty_cube_hours")
