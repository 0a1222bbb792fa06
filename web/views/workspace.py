"""The operator's workspace: where the caller's card pops the moment the phone rings."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from web.auth import signed_in


@signed_in
@aiohttp_jinja2.template("workspace/index.html")
async def workspace(request: web.Request) -> dict[str, Any]:
    return {}
