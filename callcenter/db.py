"""SQLAlchemy declarative base, engine and session factory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TextClause, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    return datetime.now(UTC)


def async_url(url: str) -> str:
    """Turn any postgresql URL into the asyncpg dialect SQLAlchemy needs."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("not a PostgreSQL URL")


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    return create_async_engine(async_url(url), **kwargs)  # type: ignore[arg-type]


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def unnest_rows(spec: Sequence[tuple[str, str]]) -> str:
    """``unnest(one array parameter per column) AS t(columns)``: rows passed as arrays."""
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in spec)
    return f"unnest({arrays}) AS t({', '.join(name for name, _ in spec)})"


def unnest_insert(
    table: str, spec: Sequence[tuple[str, str]], tail: str, select_list: str | None = None
) -> TextClause:
    """INSERT ... SELECT FROM unnest(one array per column): one statement whatever the row
    count, so it is compiled and prepared once (a multi-row VALUES is a new statement for
    every batch size, and compiling those cost half the listener's time)."""
    names = ", ".join(name for name, _ in spec)
    return text(
        f"INSERT INTO {table} ({names}) SELECT {select_list or names} "
        f"FROM {unnest_rows(spec)} {tail}"
    )


def unnest_params(
    rows: list[dict[str, Any]], spec: Sequence[tuple[str, str]]
) -> dict[str, list[Any]]:
    """The parameters of an ``unnest_insert`` statement: one list per column."""
    return {name: [row[name] for row in rows] for name, _ in spec}


def unnest_columns(
    rows: list[tuple[Any, ...]], spec: Sequence[tuple[str, str]]
) -> dict[str, list[Any]]:
    """``unnest_params`` from rows given as tuples in the spec's order (transposed in C)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(spec)
    return {name: list(column) for (name, _), column in zip(spec, columns, strict=True)}


# SQLSTATEs of a database that is away or going: connection exceptions (class 08),
# admin/crash shutdown, cannot connect now (starting up or shutting down)
_AWAY_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException) -> bool:
    """Connection trouble (wait and retry) rather than an error in the data (skip it)."""
    import asyncpg
    from sqlalchemy.exc import InterfaceError, OperationalError

    seen = 0
    error: BaseException | None = exc
    while error is not None and seen < 5:  # through SQLAlchemy's and asyncpg's wrappers
        if isinstance(error, OSError | ConnectionError | TimeoutError):
            return True
        if isinstance(error, asyncpg.InterfaceError | asyncpg.PostgresConnectionError):
            return True
        state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if isinstance(state, str) and state.startswith(_AWAY_STATES):
            return True
        if isinstance(error, DBAPIError):
            if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
                return True
            error = error.orig
        else:
            error = error.__cause__
        seen += 1
    return False


LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out (waiting on a row or a unique key)


def violated_constraint(exc: DBAPIError) -> str:
    """The name of the constraint or unique index an IntegrityError broke ("" if unknown)."""
    return str(getattr(_driver_error(exc), "constraint_name", None) or "")


def sqlstate(exc: DBAPIError) -> str:
    """PostgreSQL's error code of a failed statement ("" if unknown)."""
    return str(getattr(_driver_error(exc), "sqlstate", None) or "")


def _driver_error(exc: DBAPIError) -> BaseException | None:
    """asyncpg's own exception behind SQLAlchemy's (it carries the constraint and code)."""
    return exc.orig.__cause__ if exc.orig is not None else None
