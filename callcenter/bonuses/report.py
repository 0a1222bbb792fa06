"""The manager bonus report: the period's pool split by contribution, with its arithmetic.

The period's pool (entered by a supervisor or an admin) is split as ``split.py`` says,
from the ``manager_hours`` rollup; once approved, the stored split is shown as it was
approved. A manager kept to their own clients sees their own line (and the totals their
share is measured against).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.bonuses.models import MEASURE_LABELS, MEASURES, BonusPool
from callcenter.bonuses.service import frozen_split, live_split, pool_for, recent_pools
from callcenter.bonuses.split import ManagerShare, Split
from callcenter.i18n import N_
from callcenter.reports.filters import ReportFilters, own_figures
from callcenter.reports.registry import ReportSpec
from callcenter.reports.tables import Column, Table

_KINDS = {"revenue": "money", "talk_seconds": "seconds"}


def _pct(part: Decimal) -> float:
    return round(float(part * 100), 2)


@dataclass
class BonusesReport:
    filters: ReportFilters
    split: Split
    pool: BonusPool | None
    pools: list[BonusPool] = field(default_factory=list)

    labels = MEASURE_LABELS

    @property
    def shown(self) -> list[ManagerShare]:
        if self.filters.manager is None:
            return self.split.shares
        return [s for s in self.split.shares if s.contribution.user_id == self.filters.manager]

    def tables(self) -> list[Table]:
        return [self._split_table(), self._arithmetic_table()]

    def _split_table(self) -> Table:
        columns: list[Column] = [Column("manager", N_("Manager"), "text")]
        for m in MEASURES:
            columns.append(Column(m, MEASURE_LABELS[m], _KINDS.get(m, "number")))
            columns.append(Column(f"{m}_part", N_("Part, %%"), "percent"))
        columns += [
            Column("share", N_("Share, %%"), "percent"),
            Column("amount", N_("Bonus"), "money"),
        ]
        rows = []
        for s in self.shown:
            c = s.contribution
            values: list[Any] = [c.name]
            for m in MEASURES:
                values += [getattr(c, m), _pct(s.parts[m])]
            rows.append((*values, _pct(s.share), s.amount))
        totals: list[Any] = [None]
        for m in MEASURES:
            total = self.split.totals[m]
            totals += [float(total) if m == "talk_seconds" else total, 100.0 if total else None]
        pool = self.split.pool
        totals += [100.0 if self.split.shares else None, pool]
        return Table("split", N_("Bonus split"), columns, rows, tuple(totals))

    def _arithmetic_table(self) -> Table:
        used, weight_sum = self.split.used_weights, sum(self.split.used_weights.values())
        rows = []
        for s in self.shown:
            terms = " + ".join(f"{used[m]} x {_pct(s.parts[m])}%" for m in used)
            formula = f"({terms}) / {weight_sum} = {_pct(s.share)}%" if used else "—"
            if s.amount is not None and self.split.pool is not None:
                formula += f" x {self.split.pool} = {s.amount}"
            rows.append((s.contribution.name, formula))
        columns = (
            Column("manager", N_("Manager"), "text"),
            Column("formula", N_("Sum of weight x part, over the sum of weights, x pool"), "text"),
        )
        return Table("arithmetic", N_("The arithmetic"), columns, rows)

    def as_dict(self) -> dict[str, Any]:
        pool = self.pool
        return {
            "filters": self.filters.as_dict(),
            "pool": None
            if pool is None
            else {
                "id": pool.id,
                "amount": pool.amount,
                "currency": pool.currency,
                "note": pool.note,
                "approved": pool.approved,
                "approved_at": pool.approved_at,
                "approved_by": pool.approved_by_name or None,
            },
            "weights": self.split.weights,
            "weights_used": self.split.used_weights,
            "totals": self.split.totals,
            "split": self.tables()[0].as_dict(),
            "arithmetic": self.tables()[1].as_dict(),
        }


async def bonuses_report(
    session: AsyncSession, *, filters: ReportFilters, user: Any
) -> BonusesReport:
    filters = own_figures(filters, user)
    pool = await pool_for(session, filters.first_day, filters.last_day)
    if pool is not None and pool.approved:
        split = await frozen_split(session, pool)
    else:
        split = await live_split(session, pool, since=filters.since, until=filters.until)
    return BonusesReport(filters, split, pool, await recent_pools(session))


REPORT = ReportSpec(
    name="bonuses",
    title=N_("Manager bonuses"),
    summary=N_("A bonus pool split by each manager's contribution, approved by a supervisor"),
    build=bonuses_report,
    filters=("manager",),
)
