"""Import every model module so the metadata (and Alembic) sees all tables."""

from __future__ import annotations


def load_all() -> None:
    import callcenter.audit.models  # noqa: F401
    import callcenter.calls.models  # noqa: F401
    import callcenter.clients.models  # noqa: F401
    import callcenter.imports.models  # noqa: F401
    import callcenter.tasks.models  # noqa: F401
    import callcenter.users.models  # noqa: F401
