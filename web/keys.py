"""Every piece of application state, under typed keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from callcenter.settings import Settings

if TYPE_CHECKING:
    from callcenter.backoffice.process import BackOffice
    from callcenter.imports.workers import ReaderPool
    from callcenter.mailings.hits import HitRecorder
    from web.imports import ImportRunner
    from web.live import LiveHub
    from web.loop_watch import LoopWatch
    from web.pbx import PbxGateway
    from web.report_thread import ReportThread
    from web.scheduler import Scheduler


USER = web.RequestKey("user", object)  # the signed-in User, or None
AUTH_VIA = web.RequestKey("auth_via", str)  # "session", "token" or ""

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONMAKER = web.AppKey("sessionmaker", async_sessionmaker)
HOT_SESSIONMAKER = web.AppKey("hot_sessionmaker", async_sessionmaker)  # listener and hub
# the hub's screen-pop reads: the hot pool with no transaction (no BEGIN/ROLLBACK round trips)
POP_READER = web.AppKey("pop_reader", async_sessionmaker)
# scheduled back-office work (report rollups, mailings): backends at a lower CPU priority
BACKGROUND_SESSIONMAKER = web.AppKey("background_sessionmaker", async_sessionmaker)
# the reports' own thread (an admin's page or API call), its backends below the floor's
REPORTS: web.AppKey[ReportThread] = web.AppKey("reports")
LIVE_HUB: web.AppKey[LiveHub] = web.AppKey("live_hub")
LOOP_WATCH: web.AppKey[LoopWatch] = web.AppKey("loop_watch")  # how late the loop runs
PBX: web.AppKey[PbxGateway] = web.AppKey("pbx")
SCHEDULER: web.AppKey[Scheduler] = web.AppKey("scheduler")
IMPORT_RUNNER: web.AppKey[ImportRunner] = web.AppKey("import_runner")  # imports running here
# imports' runs and exports, in child processes below the floor's CPU priority
BACK_OFFICE: web.AppKey[BackOffice] = web.AppKey("back_office")
# mailing open and click hits: answered from memory, stored in batches
HIT_RECORDER: web.AppKey[HitRecorder] = web.AppKey("hit_recorder")
UPLOAD_READERS: web.AppKey[ReaderPool] = web.AppKey("upload_readers")  # processes reading uploads
