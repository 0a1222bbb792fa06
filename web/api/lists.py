"""One page of a list, as every list of the JSON API answers it."""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web


class Paged(Protocol):
    page: int
    per_page: int
    total: int


def list_response(items: list[Any], page: Paged, **more: Any) -> web.Response:
    """``{"items", "page", "per_page", "total"}`` and whatever more the list tells (totals)."""
    return web.json_response(
        {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total, **more}
    )
