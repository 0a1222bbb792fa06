"""Every report, by name: its builder, title, permission, filters and page template.

The pages, the API, the exports and ``bench/reports.py`` all find reports here. A report is
one module that defines ``REPORT = ReportSpec(...)``, in ``callcenter/reports/`` or in the
domain package it reports on (the bonus report is ``callcenter.bonuses.report``); add the
module's name to ``REPORT_MODULES`` (in the order the index lists them).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from callcenter.errors import NotFound
from callcenter.i18n import N_
from callcenter.reports.filters import FILTER_NAMES, ReportFilters
from callcenter.reports.tables import Report
from callcenter.users.roles import Permission

REPORT_MODULES: tuple[str, ...] = (
    "callcenter.reports.calls.report",
    "callcenter.reports.refusals.report",
    "callcenter.reports.sales.funnel",
    "callcenter.reports.sales.channels",
    "callcenter.reports.sales.segments",
    "callcenter.reports.loyalty.report",
    "callcenter.bonuses.report",
    "callcenter.partners.report",
)

Builder = Callable[..., Awaitable[Report]]  # (session, *, filters, user) -> Report


@dataclass(frozen=True)
class ReportSpec:
    name: str  # the URL's /reports/<name> and /api/v1/reports/<name>
    title: str  # N_-marked
    summary: str  # N_-marked: one line on the index
    build: Builder
    filters: tuple[str, ...] = FILTER_NAMES  # the filters it honours (others are refused)
    permission: Permission = Permission.REPORTS_VIEW
    page: str = ""  # its page's template: reports/<name>.html unless named (reports/tables.html
    # shows any report's tables with no chart)

    @property
    def template(self) -> str:
        return self.page or f"reports/{self.name}.html"

    async def run(self, session: Any, *, filters: ReportFilters, user: Any) -> Report:
        return await self.build(session, filters=filters, user=user)


@cache
def _specs() -> dict[str, ReportSpec]:
    specs: dict[str, ReportSpec] = {}
    for module_name in REPORT_MODULES:
        spec = importlib.import_module(module_name).REPORT
        assert spec.name not in specs, f"two reports named {spec.name}"
        specs[spec.name] = spec
    return specs


def all_reports() -> list[ReportSpec]:
    return list(_specs().values())


def report_spec(name: str) -> ReportSpec:
    spec = _specs().get(name)
    if spec is None:
        raise NotFound(N_("No such report"))
    return spec


def reports_for(user: Any) -> list[ReportSpec]:
    return [spec for spec in all_reports() if user.can(spec.permission)]
