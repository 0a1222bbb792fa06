"""Fixtures of the AMI tests: ``pbx`` is the simulator over real TCP, accelerated."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from ami.simulator import PbxSimulator
from tests.ami.ami_support import AmiClient

SPEED = 0.01  # a 16 s call takes 0.16 s


@pytest.fixture
async def pbx() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(speed=SPEED, auth_failure_delay_s=0.0)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def connect(pbx: PbxSimulator) -> AsyncIterator[Callable[[], Awaitable[AmiClient]]]:
    """Open AMI connections to ``pbx``; all are closed after the test."""
    clients: list[AmiClient] = []

    async def open_client() -> AmiClient:
        client = await AmiClient.connect(pbx.port)
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.close()


@pytest.fixture
async def manager(connect: Callable[[], Awaitable[AmiClient]]) -> AmiClient:
    """A logged-in client with events on."""
    client = await connect()
    response = await client.login()
    assert response.first("Response") == "Success"
    return client
