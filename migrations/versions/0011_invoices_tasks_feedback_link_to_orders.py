"""invoices, tasks and feedback link to orders

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 21:32:10.236948

Invoices had an order number typed by hand and unchecked: one naming no order is unlinked
before the foreign key is added. An order that goes leaves its invoices, tasks and feedback
in place, unlinked (SET NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE invoices SET order_id = NULL WHERE order_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM orders WHERE orders.id = invoices.order_id)"
    )
    op.create_foreign_key(
        op.f("fk_invoices_order_id_orders"),
        "invoices",
        "orders",
        ["order_id"],
        ["id"],
        ondelete="SET NULL",
    )
    for table in ("tasks", "feedback"):
        op.add_column(table, sa.Column("order_id", sa.Integer(), nullable=True))
        op.create_index(op.f(f"ix_{table}_order_id"), table, ["order_id"], unique=False)
        op.create_foreign_key(
            op.f(f"fk_{table}_order_id_orders"),
            table,
            "orders",
            ["order_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    for table in ("tasks", "feedback"):
        op.drop_constraint(op.f(f"fk_{table}_order_id_orders"), table, type_="foreignkey")
        op.drop_index(op.f(f"ix_{table}_order_id"), table_name=table)
        op.drop_column(table, "order_id")
    op.drop_constraint(op.f("fk_invoices_order_id_orders"), "invoices", type_="foreignkey")
