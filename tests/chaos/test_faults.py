"""Faults under steady traffic, against the real parts: the simulator over TCP, the PBX
listener as its own process (``python -m ami``), a PostgreSQL of the test's own. After each,
every call the PBX made is recorded exactly once and ended, and those whose end the fault
hid are marked uncertain (``bench/chaos.py`` runs the same at ~1,000 events/s and prints
the figures; the database outages are in ``test_database_outage.py``)."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import text

from tests.chaos.rig import Rig, one_fault

QUICK = argparse.Namespace(calls_per_second=4.0, speed=0.05, agents=20, warmup=3.0, after=2.0)


async def test_no_call_is_lost_or_recorded_twice_through_each_fault() -> None:
    """One rig, the faults in turn (each starts from the state the last left)."""
    rig = Rig(QUICK)
    try:
        await rig.start()
        for fault in ("link-cut", "pbx-restart"):
            row = await one_fault(rig, fault)
            assert row["made"] >= 10, row
            assert row["lost"] == 0 and row["recorded"] == row["made"], row
            assert row["recovered in s"] < 15, row
            async with rig.engine.connect() as conn:
                twice = await conn.scalar(
                    text("SELECT count(*) - count(DISTINCT linkedid) FROM calls")
                )
                open_ = await conn.scalar(text("SELECT count(*) FROM calls WHERE ended_at IS NULL"))
            assert twice == 0 and open_ == 0, (fault, twice, open_)
            if fault == "pbx-restart":  # calls in flight died with the PBX: ends unknown
                assert row["uncertain end"] >= 1, row
    finally:
        await rig.close()


@pytest.mark.xfail(
    run=False,
    reason="issue 14, open: after a SIGKILL the new leader's adoption can leave a long-ringing "
    "queue call open (bench/chaos.py: 3 of 262 at 1,000 events/s); run with --runxfail",
)
async def test_no_call_is_lost_or_left_open_when_the_listener_is_sigkilled() -> None:
    rig = Rig(QUICK)
    try:
        await rig.start()
        row = await one_fault(rig, "app-kill")
        assert row["lost"] == 0 and row["recorded"] == row["made"] >= 10, row
    finally:
        await rig.close()
