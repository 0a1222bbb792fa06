"""What an exported list is: translated column headers and rows streamed from a query."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.users.models import User
from callcenter.users.roles import Permission

BATCH = 2_000  # rows fetched from the server-side cursor at a time


@dataclass(frozen=True)
class Column:
    label: str  # N_-marked; the header is its translation
    kind: str = "text"  # text | number | money | datetime | term (a word translated as shown)
    width: int = 16  # characters, for XLSX


Rows = AsyncIterator[list[tuple[Any, ...]]]  # batches of rows, one value per column


class ExportList(Protocol):
    """One list that can be exported: clients, calls, orders, tasks."""

    name: str
    permissions: tuple[Permission, ...]
    columns: tuple[Column, ...]

    def rows(self, session: AsyncSession, query: Any, *, actor: User, region: str) -> Rows:
        """The list's rows under ``query``'s filters, as ``actor`` may see them."""
