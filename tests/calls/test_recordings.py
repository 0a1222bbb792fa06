"""Recordings: played from the mounted directory after the same role check as their call."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from callcenter.calls.recordings import recording_path
from callcenter.calls.service import save_call
from callcenter.errors import NotFound
from tests.calls.test_calls_store import finish, inbound_answered
from tests.conftest import sign_in
from web.app import create_app

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


def test_pbx_paths_map_into_the_recordings_dir_and_never_out(tmp_path: Path) -> None:
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "a.wav").write_bytes(WAV)
    (tmp_path / "b.wav").write_bytes(WAV)
    pbx = "/var/spool/asterisk/monitor"
    assert (
        recording_path(f"{pbx}/2026/a.wav", recordings_dir=tmp_path, pbx_dir=pbx)
        == (tmp_path / "2026" / "a.wav").resolve()
    )
    assert recording_path("b.wav", recordings_dir=tmp_path, pbx_dir=pbx).name == "b.wav"
    for bad in ("../../etc/passwd", f"{pbx}/../../../etc/passwd", "missing.wav", ""):
        with pytest.raises(NotFound):
            recording_path(bad, recordings_dir=tmp_path, pbx_dir=pbx)
    with pytest.raises(NotFound):
        recording_path("b.wav", recordings_dir=None, pbx_dir=pbx)


async def test_recording_plays_for_those_who_may_see_the_call(
    settings: Any, tmp_path: Path, aiohttp_client: Any, make_user: Any, db_session: Any
) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    (recordings / "1795715043.26.wav").write_bytes(WAV)
    app = create_app(dataclasses.replace(settings, recordings_dir=recordings))
    call = finish(inbound_answered())
    call.recording = "/var/spool/asterisk/monitor/1795715043.26.wav"
    await save_call(db_session, call)
    await db_session.commit()

    supervisor = await aiohttp_client(app)
    await sign_in(supervisor, await make_user("supervisor"))
    response = await supervisor.get("/calls/1795715043.26/recording")
    assert response.status == 200 and await response.read() == WAV
    ranged = await supervisor.get("/calls/1795715043.26/recording", headers={"Range": "bytes=0-3"})
    assert ranged.status == 206 and await ranged.read() == b"RIFF"

    manager = await aiohttp_client(
        create_app(dataclasses.replace(settings, recordings_dir=recordings))
    )
    await sign_in(manager, await make_user("manager"))  # the call is not of their clients
    assert (await manager.get("/calls/1795715043.26/recording")).status == 404
