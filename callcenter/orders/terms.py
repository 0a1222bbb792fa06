"""Order messages translated from a variable (nav labels, macro arguments), listed so that
``make messages`` keeps them. Nothing imports this module at run time."""

from __future__ import annotations

from callcenter.i18n import N_

TERMS = (
    # navigation: web.templating._nav
    N_("Orders"),
    N_("Pipeline"),
    N_("Products"),
    N_("Outbox"),
    # select_ref() labels in templates/orders/
    N_("Any manager"),
)
