"""``create_app(settings)``: the one place the web application is assembled."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from callcenter.backoffice.priority import lower_backend_priority
from callcenter.db import make_engine, make_sessionmaker
from callcenter.settings import Settings
from web import i18n, routes
from web.auth import auth_middleware
from web.bad_input import bad_input_middleware
from web.csrf import csrf_middleware
from web.errors import error_middleware
from web.imports import imports_ctx, upload_limit_middleware
from web.keys import (
    BACKGROUND_SESSIONMAKER,
    ENGINE,
    HOT_SESSIONMAKER,
    POP_READER,
    SESSIONMAKER,
    SETTINGS,
)
from web.live import live_hub_ctx
from web.loop_watch import loop_watch_ctx
from web.mail import mail_sender_ctx
from web.pbx import pbx_ctx, pbx_gateway_ctx
from web.pop_cards import READS_AHEAD
from web.report_thread import report_thread_ctx
from web.scheduler import scheduler_ctx
from web.security_headers import add_security_headers
from web.templating import context_processor
from web.token_answers import token_answers_middleware
from web.tracking_hits import hit_recorder_ctx

ROOT = Path(__file__).resolve().parent.parent


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.database_url, "the command line resolves the database URL before the app"
    engine = make_engine(settings.database_url)
    # the PBX listener and the live hub run hot and retry on a lost connection themselves:
    # their own pool skips the pre-ping round trip that web requests pay for safety
    hot = make_engine(settings.database_url, pool_pre_ping=False, pool_size=READS_AHEAD + 4)
    app[ENGINE] = engine
    app[SESSIONMAKER] = make_sessionmaker(engine)
    app[HOT_SESSIONMAKER] = make_sessionmaker(hot)
    app[POP_READER] = make_sessionmaker(hot.execution_options(isolation_level="AUTOCOMMIT"))
    # scheduled back-office work (report rollups, mailings): its backends below the floor's
    background = make_engine(settings.database_url, pool_size=2)
    lower_backend_priority(background, settings.back_office_niceness)
    app[BACKGROUND_SESSIONMAKER] = make_sessionmaker(background)
    yield
    await engine.dispose()
    await hot.dispose()
    await background.dispose()


def _session_storage(settings: Settings) -> EncryptedCookieStorage:
    key = hashlib.sha256(settings.secret_key.encode()).digest()  # 32 bytes for Fernet
    return EncryptedCookieStorage(
        key,
        cookie_name="cc_session",
        httponly=True,
        samesite="Lax",
        secure=settings.cookie_secure,
        max_age=settings.session_max_age_seconds,
    )


def _templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        context_processors=[context_processor],
    )
    i18n.install(env)


def create_app(settings: Settings, *, worker: bool = False) -> web.Application:
    """The app; a ``worker`` is one of several web processes on the port
    (``CALLCENTER_WEB_PROCESSES``, see ``web.worker``): it serves pages, the API, tracking hits
    and live sockets like the first, while the PBX listener, the scheduler and the outbox
    sender run in the first process alone."""
    settings = settings.with_secret_key()
    # a tracking hit's handler is answered by the first, the pages' chain skipped
    app = web.Application(middlewares=[token_answers_middleware, error_middleware])
    app[SETTINGS] = settings
    app.on_response_prepare.append(add_security_headers)  # every response, errors included
    setup_session(app, _session_storage(settings))
    # after the session's middleware, so the larger-body clone of a request keeps its session
    app.middlewares.extend([upload_limit_middleware, auth_middleware, csrf_middleware])
    app.middlewares.append(bad_input_middleware)  # innermost: it wraps the handler alone
    _templates(app)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(report_thread_ctx)
    app.cleanup_ctx.append(hit_recorder_ctx)  # after the database: flushed before it closes
    app.cleanup_ctx.append(live_hub_ctx)
    app.cleanup_ctx.append(loop_watch_ctx)
    if worker:
        app.cleanup_ctx.append(pbx_gateway_ctx)
        app.cleanup_ctx.append(partial(imports_ctx, expire=False))
    else:
        app.cleanup_ctx.append(pbx_ctx)
        app.cleanup_ctx.append(mail_sender_ctx)
        app.cleanup_ctx.append(scheduler_ctx)
        app.cleanup_ctx.append(imports_ctx)
    routes.setup(app, static_dir=ROOT / "web" / "static")
    return app
