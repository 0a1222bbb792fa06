"""Every kind of live notification has one definition (``callcenter.live.LiveKind``): each is
either sent to pages by the hub's table or is the PBX listener's own, and on the wire it is
the same JSON object it always was."""

from __future__ import annotations

import json

import pytest

from callcenter.live import CALL_KINDS, MAX_PAYLOAD, LiveKind, payloads
from web.live import FLOOR_KINDS, SENDERS

FOR_THE_PBX_LISTENER = {LiveKind.PBX_COMMAND, LiveKind.QUEUE_SETTINGS}


def test_every_kind_reaches_pages_or_is_the_pbx_listeners():
    """The floor's figures go their own way (batched per wallboard), all else by the table."""
    assert set(SENDERS) | set(FLOOR_KINDS) | FOR_THE_PBX_LISTENER == set(LiveKind)
    assert not set(SENDERS) & (FOR_THE_PBX_LISTENER | set(FLOOR_KINDS))


def test_call_kinds_are_sent_as_calls():
    assert {SENDERS[k] for k in CALL_KINDS} == {SENDERS[LiveKind.RINGING]}


@pytest.mark.parametrize("kind", list(LiveKind))
def test_a_kind_goes_on_the_wire_as_its_plain_name(kind):
    (payload,) = payloads([(kind, {"id": 7, "name": "Иванова"})])
    assert payload == f'{{"kind": "{kind.value}", "id": 7, "name": "Иванова"}}'
    assert json.loads(payload)["kind"] == kind.value


def test_a_payload_too_large_is_refused_not_cut():
    with pytest.raises(ValueError):
        payloads([(LiveKind.TASK_DUE, {"title": "x" * MAX_PAYLOAD})])
