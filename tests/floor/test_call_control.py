"""Call control through AMI: the actions are the ones the recorded transcripts sent (06a,
06b, 06d, 08a-c); who may do what; and a supervisor's listen-in end to end over real TCP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ami.commands import action_for
from ami.listener import PbxListener
from ami.protocol import AmiParser
from ami.simulator import PbxSimulator
from callcenter.audit.models import AuditEntry
from callcenter.calls.models import CallLegRow, CallRow
from callcenter.floor.models import PbxCommand
from tests.ami.ami_support import sent
from tests.calls.test_listener import pbx, sessionmaker  # noqa: F401
from tests.floor.test_floor_live import running, until_db  # noqa: F401
from tests.floor.test_once_dial import beating, settings  # noqa: F401

SKIP = {"ActionID", "CallerID"}  # ours: the request's id; the caller id the CRM shows


def _sent(scenario: str, action: str) -> dict[str, Any]:
    """The first ``action`` of the transcript, as sent (Variable kept as a list)."""
    for message in AmiParser().feed(sent(scenario)):
        if message.get("Action") == action:
            fields: dict[str, Any] = {}
            for key, value in message.items():
                if key == "Variable":
                    fields.setdefault(key, []).append(value)
                elif key not in SKIP:
                    fields[key] = value
            return fields
    raise AssertionError(f"no {action} in {scenario}")


def _ours(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    action = action_for(PbxCommand(kind=kind, payload=payload, linkedid="x"))
    return {k: v for k, v in action.items() if k not in SKIP}


def test_blind_and_attended_transfer_send_what_asterisk_took_in_06a_and_06b() -> None:
    blind = _sent("06a_blind_transfer", "BlindTransfer")
    payload = {"channel": blind["Channel"], "context": "internal", "exten": "102"}
    assert _ours("blind_transfer", payload) == {"Action": "BlindTransfer", **payload_fields(blind)}
    attended = _sent("06b_attended_transfer", "Atxfer")
    payload = {"channel": attended["Channel"], "context": "internal", "exten": "102"}
    assert _ours("attended_transfer", payload) == {"Action": "Atxfer", **payload_fields(attended)}


def payload_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != "Action"}


def test_park_and_hangup_send_what_asterisk_took_in_06d_and_06b() -> None:
    park = _sent("06d_park", "Park")
    payload = {
        "channel": park["Channel"],
        "timeout_channel": park["TimeoutChannel"],
        "timeout_ms": int(park["Timeout"]),
    }
    assert _ours("park", payload) == park
    hangup = _sent("06b_attended_transfer", "Hangup")
    assert _ours("hangup", {"channel": hangup["Channel"]}) == hangup


@pytest.mark.parametrize("mode", ["listen", "whisper", "barge"])
def test_a_listen_in_is_the_originate_of_08(mode: str) -> None:
    scenario = {"listen": "08a_chanspy_listen", "whisper": "08b_chanspy_whisper"}.get(
        mode, "08c_chanspy_barge"
    )
    # the transcript's first Originate is the inbound caller's; the second the supervisor's
    originates = [m for m in AmiParser().feed(sent(scenario)) if m.get("Action") == "Originate"]
    recorded = {k: v for k, v in originates[1].items() if k not in SKIP}
    recorded["Variable"] = [recorded["Variable"]]
    payload = {
        "channel": recorded["Channel"],
        "context": "crm-spy",
        "exten": mode,
        "spy_on": recorded["Variable"][0].split("=", 1)[1],
        "channel_id": recorded["ChannelId"],
        "agent": "101",
        "extension": "103",
    }
    assert _ours("spy", payload) == recorded


async def _talking(session: Any, user_id: int) -> CallLegRow | None:
    return await session.scalar(
        select(CallLegRow).where(
            CallLegRow.user_id == user_id,
            CallLegRow.answered_at.is_not(None),
            CallLegRow.ended_at.is_(None),
        )
    )


async def test_only_the_agent_on_the_call_controls_it_and_only_a_supervisor_listens_in(
    pbx: PbxSimulator,  # noqa: F811
    running: PbxListener,  # noqa: F811
    sessionmaker: Any,  # noqa: F811
    api_as: Any,
    make_user: Any,
) -> None:
    client, operator = await api_as("operator", extension="101")
    await until_db(sessionmaker, beating)
    linkedid = await pbx.inbound_call(
        did="74951234568", agent_answers=True, talk_s=1000, patience_s=2000
    )
    await until_db(sessionmaker, lambda s: _talking(s, operator.id))
    base = f"/api/v1/calls/{linkedid}"
    # garbage: not JSON objects, unknown kinds, absurd targets
    for path, body in [
        ("transfer", {"to": "planet", "target": "x"}),
        ("transfer", {"to": "agent", "target": "1" * 50}),
        ("transfer", {"to": "number", "target": "not a number"}),
        ("transfer", {"to": "queue", "target": "no-such-queue"}),
        ("transfer", {"to": ["agent"], "target": {"x": 1}}),
    ]:
        response = await client.post(f"{base}/{path}", json=body)
        assert response.status == 422, (path, body, await response.text())
    assert (await client.post(f"{base}/spy", json={"mode": "listen"})).status == 403  # role
    assert (await client.post("/api/v1/calls/nope/hangup")).status == 404  # no such call

    other, _ = await api_as("operator", extension="102")  # not on the call
    assert (await other.post(f"{base}/hangup")).status == 403
    assert (await other.post(f"{base}/park")).status == 403

    boss, supervisor = await api_as("supervisor", extension="103")
    for bad in ({"mode": "shout"}, {"mode": "listen", "agent": "999"}):
        assert (await boss.post(f"{base}/spy", json=bad)).status in (404, 422), bad
    response = await boss.post(f"{base}/spy", json={"mode": "whisper", "agent": "101"})
    assert response.status == 202, await response.text()
    command_id = (await response.json())["command_id"]
    done = await until_db(
        sessionmaker,
        lambda s: s.scalar(
            select(PbxCommand).where(PbxCommand.id == command_id, PbxCommand.state == "done")
        ),  # fmt: skip
    )
    assert done.payload["exten"] == "whisper"
    async with sessionmaker() as session:
        audit = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "call", AuditEntry.action == "spy_whisper"
            )
        )
        assert audit is not None and audit.user_id == supervisor.id
    await until_db(sessionmaker, lambda s: _spying(pbx))
    await pbx.wait_idle(within_s=30)  # the spy ends with the agent's call (E)
    async with sessionmaker() as session:
        calls = list(await session.scalars(select(CallRow.linkedid)))
    assert linkedid in calls
    assert not any(c.startswith("crm-spy-") for c in calls)  # the supervisor's was no call


async def _spying(simulator: PbxSimulator) -> bool:
    return any(name.startswith("Local/103@agents") for name in simulator.pbx.channels)
