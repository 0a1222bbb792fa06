"""What can be imported: every target, by its name.

The one module that knows them all; the targets themselves know only ``targets``' shapes.
"""

from __future__ import annotations

from callcenter.imports.clients import ClientsTarget
from callcenter.imports.orders import OrdersTarget
from callcenter.imports.targets import Target

TARGETS: dict[str, Target] = {t.name: t for t in (ClientsTarget(), OrdersTarget())}


def get_target(name: str) -> Target:
    return TARGETS[name]


def target_names() -> list[str]:
    return list(TARGETS)
