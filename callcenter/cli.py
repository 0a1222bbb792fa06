"""``python -m callcenter``: serve (given by ``__main__``), migrate, create-user, create-token."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import DomainError
from callcenter.settings import Settings, SettingsError
from callcenter.users.passwords import generate_password
from callcenter.users.roles import Role
from callcenter.users.service import (
    UserInput,
    count_users,
    create_user,
    get_user_by_login,
)
from callcenter.users.tokens import create_token

log = logging.getLogger("callcenter")


class StartError(Exception):
    """Something stops the start; the message is one line for the user."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m callcenter", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="apply migrations and serve the web UI")
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("create-user", help="create a user")
    user.add_argument("--login", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--extension", default="")
    user.add_argument("--name", default="")
    user.add_argument("--language", default=None, choices=["ru", "en"])
    token = sub.add_parser("create-token", help="print a new API token for a user")
    token.add_argument("--login", required=True)
    sub.add_parser("demo-remove", help="delete the demo data (clients, staff, simulated calls)")
    return parser


def resolve_database(settings: Settings) -> tuple[Settings, Any]:
    """The database URL to use, starting the embedded PostgreSQL when none is configured."""
    if settings.database_url:
        return settings, None
    from callcenter.embedded_pg import start_embedded

    try:
        server, url = start_embedded(settings.data_dir)
    except Exception as exc:
        raise StartError(
            f"cannot start the embedded PostgreSQL under {settings.data_dir}: {exc}"
        ) from None
    log.info("using the embedded PostgreSQL under %s", settings.data_dir / "pg")
    return replace(settings, database_url=url), server


def migrate(settings: Settings) -> None:
    from callcenter.migrate import upgrade

    try:
        upgrade(settings.database_url or "")
    except (OSError, ConnectionError) as exc:
        raise StartError(f"cannot reach the database: {exc}") from None
    except Exception as exc:
        if "connect" in type(exc).__name__.lower() or "connection" in str(exc).lower():
            raise StartError(f"cannot reach the database: {exc}") from None
        raise


async def _with_session(settings: Settings, work: Any) -> Any:
    engine = make_engine(settings.database_url or "")
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await work(session)
    finally:
        await engine.dispose()


async def ensure_first_admin(settings: Settings) -> str | None:
    """On an empty database create ``admin`` with a generated password, returned once."""

    async def work(session: Any) -> str | None:
        if await count_users(session):
            return None
        password = generate_password()
        await create_user(
            session,
            data=UserInput(
                login="admin",
                full_name="Administrator",
                role=Role.ADMIN,
                password=password,
                language=settings.default_language,
                timezone=settings.default_timezone,
            ),
        )
        return password

    return await _with_session(settings, work)


def prepare_serve(settings: Settings) -> tuple[Settings, Any]:
    """Everything ``serve`` does before the web app starts: the database (started when
    embedded: keep the returned server while serving), its migrations, the first admin and,
    with the simulator, the demo; the settings naming the database."""
    settings, server = resolve_database(settings)
    migrate(settings)
    password = asyncio.run(ensure_first_admin(settings))
    if password:
        print(
            "\n  First start: created the administrator.\n"
            f"  Login: admin\n  Password: {password}\n"
            "  (shown only this once: sign in and change it on the Profile page)\n",
            flush=True,
        )
    if settings.pbx == "simulator":
        demo = asyncio.run(_with_session(settings, _seed_demo_once))
        if demo is not None and demo.logins:
            print(
                "  No PBX configured: the built-in simulator makes calls, and a demo was seeded.\n"
                f"  Demo staff {', '.join(demo.logins)} share the password {demo.password}\n"
                "  (the admin answers extension 101). Remove it all with:"
                " python -m callcenter demo-remove\n",
                flush=True,
            )
    return settings, server


async def _seed_demo_once(session: Any) -> Any:
    from callcenter.demo import may_seed, seed_demo

    if not await may_seed(session):
        return None
    return await seed_demo(session)


def cmd_demo_remove(settings: Settings) -> None:
    from callcenter.demo import remove_demo

    counts = asyncio.run(_with_session(settings, remove_demo))
    print("removed the demo: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> None:
    data = UserInput(
        login=args.login,
        password=args.password,
        role=args.role,
        extension=args.extension,
        full_name=args.name,
        language=args.language or settings.default_language,
        timezone=settings.default_timezone,
    )
    user = asyncio.run(_with_session(settings, lambda s: create_user(s, data=data)))
    print(f"created {user.role} {user.login} (id {user.id})")


def cmd_create_token(settings: Settings, args: argparse.Namespace) -> None:
    async def work(session: Any) -> str:
        user = await get_user_by_login(session, args.login)
        return await create_token(session, user=user, name="command line")

    print(asyncio.run(_with_session(settings, work)))


def _runtime_dir() -> None:
    """pgserver asks platformdirs for a runtime dir, which containers often lack."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        path = os.path.join(tempfile.gettempdir(), f"callcenter-runtime-{os.getuid()}")
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = path


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # apscheduler says "Running job ..." at INFO every few seconds, per job
    for noisy in ("pgserver", "alembic", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def main(argv: list[str] | None = None, *, serve: Callable[[Settings], None]) -> int:
    """The command line; ``serve`` runs the web app (``python -m callcenter`` gives it: the
    domain knows no web)."""
    args = _parser().parse_args(argv)
    _runtime_dir()
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        if args.command == "serve":
            serve(settings)
            return 0
        settings, _server = resolve_database(settings)
        migrate(settings)
        if args.command == "create-user":
            cmd_create_user(settings, args)
        elif args.command == "create-token":
            cmd_create_token(settings, args)
        elif args.command == "demo-remove":
            cmd_demo_remove(settings)
        return 0
    except (SettingsError, StartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        print(f"error: {exc.message}" + (f" ({detail})" if detail else ""), file=sys.stderr)
        return 1
