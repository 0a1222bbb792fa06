"""Call tracking: a new caller to an advertised number (the DID, replayed from a recorded
Asterisk transcript) gets that number's channel and first-touch date with nobody typing it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ami.tracker.tracker import CallTracker
from ami.tracker.updates import CallEnded
from callcenter.calls.models import CallRow
from callcenter.calls.service import save_call
from callcenter.clients.models import Client
from callcenter.marketing.models import ClientTouch
from tests.ami.ami_support import replay, timed_events
from tests.marketing.support import channel, in_db, tracked

CALLER, DID = "+79161234567", "+74951234567"  # 01_inbound_answered: Exten of from-pstn


def _recorded_call(scenario: str) -> Any:
    updates = replay(CallTracker(), timed_events(scenario))
    ended = [u for _, u in updates if isinstance(u, CallEnded)]
    return ended[-1].call


async def _store(database_url: str, scenario: str) -> CallRow:
    call = _recorded_call(scenario)

    async def store(session: Any) -> CallRow:
        await save_call(session, call)
        return await session.scalar(select(CallRow).where(CallRow.linkedid == call.linkedid))

    return await in_db(database_url, store)


async def _new_client_from_pop(signed_in: Any, phone: str, **more: str) -> int:
    client, _user, csrf = await signed_in("admin")
    form = {"csrf_token": csrf, "kind": "person", "name": "Ivan Petrov", "phone_number": phone}
    response = await client.post("/clients/new", data={**form, **more}, allow_redirects=False)
    assert response.status == 302, await response.text()
    return int(response.headers["Location"].split("/")[2].split("?")[0])


async def test_the_did_of_an_inbound_call_is_stored_as_its_callee(database_url: str) -> None:
    scenarios = (("01_inbound_answered", DID), ("03_inbound_ringnoanswer", "+74951234568"))
    for scenario, did in scenarios:
        row = await _store(database_url, scenario)
        assert (row.direction, row.callee) == ("inbound", did)


async def test_a_new_caller_to_a_tracked_number_gets_its_channel_and_first_touch(
    database_url: str, signed_in: Any
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    await in_db(database_url, lambda s: tracked(s, DID, ads))
    call = await _store(database_url, "01_inbound_answered")
    client_id = await _new_client_from_pop(signed_in, "8 916 123-45-67")

    async def read(session: Any) -> tuple[Any, ...]:
        row = await session.get(Client, client_id)
        touch = await session.scalar(select(ClientTouch))
        return row, touch

    row, touch = await in_db(database_url, read)
    assert row.channel_id == ads == row.last_channel_id
    assert row.first_touch_at == call.started_at == row.last_touch_at
    assert (touch.source, touch.channel_id, touch.touched_at) == ("call", ads, call.started_at)


async def test_a_channel_typed_on_the_card_stays_the_first_touch(
    database_url: str, signed_in: Any
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    typed = await in_db(database_url, lambda s: channel(s, "Referral"))
    await in_db(database_url, lambda s: tracked(s, DID, ads))
    await _store(database_url, "01_inbound_answered")
    client_id = await _new_client_from_pop(signed_in, CALLER, channel_id=str(typed))
    row = await in_db(database_url, lambda s: s.get(Client, client_id))
    assert (row.channel_id, row.last_channel_id) == (typed, ads)


async def test_a_caller_to_an_untracked_number_gets_no_channel(
    database_url: str, signed_in: Any
) -> None:
    ads = await in_db(database_url, lambda s: channel(s, "Billboard"))
    await in_db(database_url, lambda s: tracked(s, "+74950000000", ads))
    await _store(database_url, "01_inbound_answered")
    called = await _new_client_from_pop(signed_in, CALLER)
    row = await in_db(database_url, lambda s: s.get(Client, called))
    assert (row.channel_id, row.first_touch_at, row.last_channel_id) == (None, None, None)
