"""Import every model module so the metadata (and Alembic) sees all tables."""

from __future__ import annotations


def load_all() -> None:
    import callcenter.audit.models  # noqa: F401
    import callcenter.bonuses.models  # noqa: F401
    import callcenter.calls.models  # noqa: F401
    import callcenter.clients.models  # noqa: F401
    import callcenter.company.models  # noqa: F401
    import callcenter.dialer.models  # noqa: F401
    import callcenter.feedback.models  # noqa: F401
    import callcenter.floor.models  # noqa: F401
    import callcenter.imports.models  # noqa: F401
    import callcenter.invoices.models  # noqa: F401
    import callcenter.mail.models  # noqa: F401
    import callcenter.mailings.models  # noqa: F401
    import callcenter.marketing.models  # noqa: F401
    import callcenter.orders.models  # noqa: F401
    import callcenter.partners.models  # noqa: F401
    import callcenter.products.models  # noqa: F401
    import callcenter.reports.calls.models  # noqa: F401
    import callcenter.reports.loyalty.models  # noqa: F401
    import callcenter.reports.rollups.models  # noqa: F401
    import callcenter.reports.sales.models  # noqa: F401
    import callcenter.sms.models  # noqa: F401
    import callcenter.tasks.models  # noqa: F401
    import callcenter.users.models  # noqa: F401
    import callcenter.webhooks.models  # noqa: F401
