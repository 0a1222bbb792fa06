"""An import runs in a back-office process: when that process dies, the import says it
failed and nothing of it is in the base."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from tests.imports.support import csv_bytes
from tests.imports.test_pages import _upload, _wait_done

CHILD = b"callcenter.backoffice.child"


def _children_running_jobs() -> list[int]:
    """Our own back-office children, found as the kernel lists them."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == me and CHILD in command:
            found.append(int(entry.name))
    return found


async def test_an_import_whose_process_is_killed_fails_with_nothing_written(api_as: Any) -> None:
    client, _user = await api_as("manager")
    rows = [["Имя", "Телефон"]] + [[f"Клиент {i}", f"+7 916 {i:07d}"] for i in range(60_000)]
    response = await client.post("/api/v1/imports", data=_upload(csv_bytes(rows)))
    assert response.status == 202, await response.text()
    import_id = (await response.json())["id"]
    for _ in range(600):
        job = await (await client.get(f"/api/v1/imports/{import_id}")).json()
        children = _children_running_jobs()
        if job["state"] == "running" and children:
            break
        assert job["state"] in ("queued", "running"), job
        await asyncio.sleep(0.05)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    job = await _wait_done(client, import_id)
    assert job["state"] == "failed"
    assert "nothing was written" in job["error"]
    listing = await (await client.get("/api/v1/clients", params={"q": "Клиент"})).json()
    assert listing["total"] == 0
