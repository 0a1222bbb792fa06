"""A user's extension: one per user, decided by the database when two admins race; calling
without one says the same thing everywhere (click-to-call, campaign calls), PBX or not."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.audit.models import AuditEntry
from callcenter.db import make_engine, make_sessionmaker
from callcenter.users.exceptions import NO_EXTENSION, NoExtension, UserInvalid, require_extension
from callcenter.users.models import User
from callcenter.users.service import UserInput, get_user, update_user
from tests.conftest import sign_in


def _input(user: User, extension: str) -> UserInput:
    return UserInput(
        login=user.login, full_name=user.full_name, role=user.role, language=user.language,
        timezone=user.timezone, extension=extension, active=True,
    )  # fmt: skip


async def test_two_admins_giving_one_extension_at_once_leave_it_with_one_user(
    database_url: str, make_user: Any
) -> None:
    admin = await make_user("admin")
    for attempt in range(5):  # whichever way the two interleave
        anna, boris = await make_user("operator"), await make_user("operator")
        engine = make_engine(database_url, pool_size=4)
        sessionmaker = make_sessionmaker(engine)

        async def give(user: User, sm: Any = sessionmaker, n: int = attempt) -> str:
            try:
                async with sm.begin() as session:
                    await update_user(
                        session, user_id=user.id, data=_input(user, f"70{n}"), actor=admin
                    )
            except UserInvalid as exc:
                return exc.fields["extension"]
            return "ok"

        outcomes = await asyncio.gather(give(anna), give(boris))
        async with sessionmaker() as session:
            holders = list(
                await session.scalars(select(User.id).where(User.extension == f"70{attempt}"))
            )
            audited = await session.scalar(
                select(AuditEntry).where(
                    AuditEntry.entity == "user", AuditEntry.entity_id == holders[0]
                )
                .order_by(AuditEntry.id.desc())
            )  # fmt: skip
        await engine.dispose()
        assert sorted(outcomes) == ["This extension belongs to another user", "ok"]
        assert len(holders) == 1
        assert audited is not None and audited.changes["extension"] == [None, f"70{attempt}"]


@pytest.mark.parametrize("extension", [None, ""])
def test_no_extension_is_one_clear_error(extension: str | None) -> None:
    user = User(login="x", extension=extension)
    with pytest.raises(NoExtension) as caught:
        require_extension(user)
    assert caught.value.message == NO_EXTENSION and caught.value.status == 422
    assert require_extension(User(login="y", extension="201")) == "201"


async def test_click_to_call_without_an_extension_says_so_before_the_pbx(
    client: Any, make_user: Any
) -> None:
    manager = await make_user("manager", language="en")  # no extension; no PBX either
    csrf = await sign_in(client, manager)
    for path, body in (
        ("/api/v1/calls", {"to": "+79161234567"}),
        ("/api/v1/dialer/contacts/1/dial", {}),
    ):
        response = await client.post(path, json=body, headers={"X-CSRF-Token": csrf})
        answer = await response.json()
        assert response.status == 422, (path, answer)
        assert answer["error"] == "no_extension" and answer["message"] == NO_EXTENSION


async def test_the_workspace_says_the_same_in_russian(client: Any, make_user: Any) -> None:
    operator = await make_user("operator", language="ru")
    await sign_in(client, operator)
    page = await (await client.get("/workspace")).text()
    assert "У вас ещё нет внутреннего номера" in page


async def test_a_user_given_an_extension_keeps_it(sessionmaker: Any, make_user: Any) -> None:
    admin, anna = await make_user("admin"), await make_user("operator")
    async with sessionmaker.begin() as session:
        await update_user(session, user_id=anna.id, data=_input(anna, "201"), actor=admin)
    async with sessionmaker() as session:
        assert (await get_user(session, anna.id)).extension == "201"


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> Any:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_clash_the_check_missed_is_the_same_clear_error(
    sessionmaker: Any, make_user: Any
) -> None:
    """What the database's unique constraint says when the check before it lost a race."""
    from callcenter.users.service import _flush_unique

    anna, boris = await make_user("operator", extension="301"), await make_user("operator")
    async with sessionmaker() as session:
        (await get_user(session, boris.id)).extension = "301"
        with pytest.raises(UserInvalid) as caught:
            await _flush_unique(session)
    assert caught.value.fields == {"extension": "This extension belongs to another user"}
    assert anna.extension == "301"
