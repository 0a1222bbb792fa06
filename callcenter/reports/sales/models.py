"""Rollup tables of the sales reports (refusals, funnel, channels, segments).

Each holds additive counts and sums per UTC day and dimensions; a dimension that is not
known is 0 (no manager, no channel...) or "" (no region), so every key is a primary key.
``client_milestones`` is the one per-client table: when each client first reached each
stage of the funnel, kept fresh for the clients whose calls, orders or dispositions changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
)
from sqlalchemy.dialects.postgresql import ARRAY

from callcenter.db import Base
from callcenter.limits import money_sum
from callcenter.reports.rollups.slices import slice_of


def _day() -> Column[Any]:
    return Column("day", DateTime(timezone=True), primary_key=True)


def _dim(name: str) -> Column[Any]:
    return Column(name, Integer, primary_key=True, nullable=False, server_default="0")


def _count(name: str) -> Column[Any]:
    return Column(name, Integer, nullable=False, server_default="0")


def _money(name: str) -> Column[Any]:
    return Column(name, money_sum(), nullable=False, server_default="0")


def _order_sums() -> list[Column[Any]]:
    """Orders and their money: the total, and the part whose cost is known with that cost."""
    return [_count("orders"), _money("revenue"), _money("costed_revenue"), _money("cost")]


# orders by the day they were taken, their manager, channel, client's segment and stage now
order_days = Table(
    "report_order_days",
    Base.metadata,
    _day(),
    _dim("manager_id"),
    _dim("channel_id"),
    _dim("segment_id"),
    _dim("status_id"),
    *_order_sums(),
)

# orders not cancelled by the client's region (from the address) ...
order_region_days = Table(
    "report_order_region_days",
    Base.metadata,
    _day(),
    _dim("manager_id"),
    _dim("channel_id"),
    _dim("segment_id"),
    Column("region", String(100), primary_key=True, server_default=""),
    *_order_sums(),
)

# ... and by each of the client's tags (an order of a client with two tags counts in both)
order_tag_days = Table(
    "report_order_tag_days",
    Base.metadata,
    _day(),
    _dim("manager_id"),
    _dim("channel_id"),
    _dim("segment_id"),
    _dim("tag_id"),
    *_order_sums(),
)

# each order as the order rollups last counted it (order_ledger.py)
order_facts = Table(
    "report_order_facts",
    Base.metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=False),
    Column("client_id", Integer, nullable=False),
    Column("day", DateTime(timezone=True), nullable=False),
    Column("manager_id", Integer, nullable=False),
    Column("channel_id", Integer, nullable=False),
    Column("segment_id", Integer, nullable=False),
    Column("status_id", Integer, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("region", String(100), nullable=False),
    Column("tag_ids", ARRAY(Integer), nullable=False),
    Column("total", money_sum(), nullable=False),
    Column("costed_revenue", money_sum(), nullable=False),
    Column("cost", money_sum(), nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Index("ix_report_order_facts_client_id", "client_id"),
    Index("ix_report_order_facts_taken_at", "taken_at"),
    Index("ix_report_order_facts_day", "day"),
)

# calls by the day they started and their client's owner, channel and segment
call_days = Table(
    "report_call_days",
    Base.metadata,
    _day(),
    _dim("owner_id"),
    _dim("channel_id"),
    _dim("segment_id"),
    _count("calls"),
    _count("answered"),
    Column("talk_seconds", Float, nullable=False, server_default="0"),
)

# when each client first reached each stage of the funnel (None: not yet)
client_milestones = Table(
    "report_client_milestones",
    Base.metadata,
    Column("client_id", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("owner_id", Integer, nullable=False, server_default="0"),
    Column("channel_id", Integer, nullable=False, server_default="0"),
    Column("segment_id", Integer, nullable=False, server_default="0"),
    Column("contacted_at", DateTime(timezone=True)),
    Column("interested_at", DateTime(timezone=True)),
    Column("ordered_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_report_client_milestones_created_at", "created_at"),
)

# new clients (leads) by the day they came, with how many of them reached each stage by now
client_days = Table(
    "report_client_days",
    Base.metadata,
    _day(),
    _dim("owner_id"),
    _dim("channel_id"),
    _dim("segment_id"),
    _count("leads"),
    _count("contacted"),
    _count("interested"),
    _count("ordered"),
    _count("delivered"),
)

# call results: campaign dispositions and the generic wrap-up results, by the day recorded
disposition_days = Table(
    "report_disposition_days",
    Base.metadata,
    _day(),
    Column("source", String(8), primary_key=True),  # campaign | call
    _dim("campaign_id"),
    _dim("agent_id"),
    _dim("segment_id"),
    _dim("channel_id"),
    Column("kind", String(10), primary_key=True),  # success | refusal | callback | other
    Column("code", String(40), primary_key=True),
    Column("reason", String(200), primary_key=True, server_default=""),
    _count("results"),
    _count("ordered_after"),  # the client took an order at or after the result
    _count("after_complaint"),  # the client had complained before the result
)


# each call result as report_disposition_days last counted it (``refusals/ledger.py``)
result_facts = Table(
    "report_result_facts",
    Base.metadata,
    Column("source", String(8), primary_key=True),
    Column("result_id", BigInteger, primary_key=True, autoincrement=False),
    Column("client_id", Integer),
    Column("day", DateTime(timezone=True), nullable=False),
    Column("campaign_id", Integer, nullable=False),
    Column("agent_id", Integer, nullable=False),
    Column("segment_id", Integer, nullable=False),
    Column("channel_id", Integer, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("code", String(40), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("ordered", Boolean, nullable=False),
    Column("complained", Boolean, nullable=False),
    Index("ix_report_result_facts_client_id", "client_id"),
    Index("ix_report_result_facts_day", "day"),
)


# the slices the reports read when not filtered by what a slice leaves out
SLICES: dict[str, tuple[Table, ...]] = {
    order_days.name: (
        slice_of(order_days, "status", "status_id"),
        slice_of(order_days, "channel", "channel_id", "status_id"),
        slice_of(order_days, "segment", "segment_id", "status_id"),
    ),
    order_region_days.name: (slice_of(order_region_days, "region", "region"),),
    order_tag_days.name: (slice_of(order_tag_days, "tag", "tag_id"),),
    call_days.name: (slice_of(call_days, "channel", "channel_id"),),
    client_days.name: (
        slice_of(client_days, "channel", "channel_id"),
        slice_of(client_days, "owner", "owner_id"),
    ),
    disposition_days.name: (
        slice_of(disposition_days, "segment", "segment_id", "kind"),
        slice_of(disposition_days, "agent", "agent_id", "kind"),
        slice_of(disposition_days, "campaign", "campaign_id", "source", "kind", "code", "reason"),
    ),
}

# a filter by channel or segment reads the cube by its column (no slice holds every column
# a report wants besides them)
for _cube in (order_days, call_days, client_days, disposition_days):
    for _column in ("channel_id", "segment_id"):
        Index(f"ix_{_cube.name}_{_column}_day", _cube.c[_column], _cube.c.day)

# a manager's own figures read the cube by the manager's column
for _cube, _manager in (
    (order_days, "manager_id"),
    (order_region_days, "manager_id"),
    (order_tag_days, "manager_id"),
    (call_days, "owner_id"),
    (client_days, "owner_id"),
    (disposition_days, "agent_id"),
):
    Index(f"ix_{_cube.name}_{_manager}_day", _cube.c[_manager], _cube.c.day)


def _change_indexes() -> None:
    """The rollups find changed rows by these stamps (none is on the PBX listener's path)."""
    from callcenter.calls.models import CallWrapup
    from callcenter.clients.models import Client
    from callcenter.dialer.models import CampaignAttempt
    from callcenter.orders.models import Order

    Index("ix_orders_updated_at", Order.__table__.c.updated_at)
    Index("ix_clients_updated_at", Client.__table__.c.updated_at)
    Index("ix_call_wrapups_created_at", CallWrapup.__table__.c.created_at)
    Index(
        "ix_campaign_attempts_dispositioned_at",
        CampaignAttempt.__table__.c.dispositioned_at,
        postgresql_where=CampaignAttempt.__table__.c.dispositioned_at.isnot(None),
    )


_change_indexes()
