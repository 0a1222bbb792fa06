"""Every piece of application state, under typed keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from callcenter.settings import Settings

if TYPE_CHECKING:
    from web.live import LiveHub


@dataclass
class PbxLink:
    """What /health reports of the PBX link; the AMI listener keeps it current."""

    configured: bool
    state: str = "not started"
    last_event_age_seconds: float | None = None
    backlog: int = 0
    details: dict[str, object] = field(default_factory=dict)


USER = web.RequestKey("user", object)  # the signed-in User, or None
AUTH_VIA = web.RequestKey("auth_via", str)  # "session", "token" or ""

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONMAKER = web.AppKey("sessionmaker", async_sessionmaker)
PBX_LINK = web.AppKey("pbx_link", PbxLink)
LIVE_HUB: web.AppKey[LiveHub] = web.AppKey("live_hub")
