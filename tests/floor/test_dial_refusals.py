"""Click-to-call is refused while the operator's phone is up in a live call, however many
requests race; the phone is free again the moment the PBX says the call ended."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from callcenter.calls.models import CallLegRow, CallRow
from callcenter.floor.models import PbxCommand
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.floor.test_floor_live import running, until_db  # noqa: F401
from tests.floor.test_once_dial import RACERS, beating, dial_all, originates, settings  # noqa: F401


async def _talking_leg(session: Any, user_id: int) -> CallLegRow | None:
    return await session.scalar(
        select(CallLegRow).where(
            CallLegRow.user_id == user_id,
            CallLegRow.answered_at.is_not(None),
            CallLegRow.ended_at.is_(None),
        )
    )


async def _ended(session: Any, linkedid: str) -> bool:
    call = await session.scalar(select(CallRow).where(CallRow.linkedid == linkedid))
    return call is not None and call.ended_at is not None


async def test_an_operator_on_a_call_is_told_so_and_nothing_dials(
    pbx: PbxSimulator,  # noqa: F811
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    api_as: Any,
) -> None:
    client, operator = await api_as("operator", extension="101")
    await until_db(sessionmaker, beating)
    pbx.set_agent("102", mode="noanswer")
    linkedid = await pbx.inbound_call(agent_answers=True, talk_s=400, patience_s=900)
    await until_db(sessionmaker, lambda s: _talking_leg(s, operator.id))
    numbers = ["+79161234561", "8 916 123-45-62", "not a number"] * (RACERS // 3)
    answers = await dial_all(client, [f"k{i}" for i in range(len(numbers))], numbers)
    pairs = list(zip(answers, numbers, strict=True))
    valid = [(status, body) for (status, body, _), n in pairs if n[0] != "n"]
    assert {status for (status, _, _), n in pairs if n[0] == "n"} == {422}  # garbage stays so
    assert {status for status, _ in valid} == {409}, answers
    assert {body["error"] for _, body in valid} == {"on_a_call"}
    assert all("You are on a call" in body["message"] for _, body in valid)
    async with sessionmaker() as session:
        assert await originates(session) == []  # nothing was queued for the PBX
    await until_db(sessionmaker, lambda s: _ended(s, linkedid), within=15)
    [(status, body, _)] = await dial_all(client, ["after"], ["+79161234561"])
    assert status == 202, body  # the phone is free again


async def _finished(session: Any, command_id: int) -> PbxCommand | None:
    command = await session.get(PbxCommand, command_id)
    return command if command is not None and command.progress in ("ended", "failed") else None


async def test_each_failed_dial_says_why_and_an_unroutable_number_says_so(
    pbx: PbxSimulator,  # noqa: F811
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    api_as: Any,
) -> None:
    """The simulator's customers: ...2 busy, ...3 never answers, ...4 congestion, and a
    number outside its dialplan (05b: the agent answers, then Dial finds no route)."""
    client, _ = await api_as("operator", extension="101")
    await until_db(sessionmaker, beating)
    expected = {
        "+79161234569": "the PBX cannot route this number: check it",
        "+79161234562": "the line is busy",
        "+79161234563": "no answer",
        "+79161234564": "the call could not be made",
    }
    for number, message in expected.items():
        [(status, body, _)] = await dial_all(client, [number], [number])
        assert status == 202, body
        await until_db(sessionmaker, lambda s, i=body["id"]: _finished(s, i), within=15)
        shown = await (await client.get(f"/api/v1/calls/dial/{body['id']}")).json()
        assert (shown["progress"], shown["message"]) == ("failed", message), number
