"""The back office of ``bench/mixed.py``, as a process of its own: a manager and an admin at
work in the app over HTTP while the floor takes its calls.

Signed in through the login form (session cookie, CSRF token from the pages), as browsers are:
- the manager imports an XLSX of clients: uploads it, opens the mapping page, starts the run
  with the guessed mapping (duplicates by phone and e-mail updated) and watches it until done;
- the admin downloads the whole client list (the export URL, streamed and thrown away);
- the admin opens every report, its page and its API figures, one after another;
- the manager uploads hostile files (a cell at column AAAAA, a shared-strings zip bomb, an
  XXE workbook) again and again: each must be refused with a 4xx;
- an anonymous monitor asks /health every 100 ms.

    python -m bench.back_office BASE_URL WORKDIR [--export-format xlsx|csv] [--bomb-pause S]

WORKDIR holds import.xlsx and the bombs (*.xlsx), made by ``bench/mixed.py`` beforehand so
that making them costs nothing during the window. The protocol, on stdout, one JSON line each:
``{"ready": true}`` once signed in; the work starts at SIGUSR1; ``{"finished": seconds}`` when
the import and the export are both done; at SIGUSR2 the loops stop and the figures follow.
A process of its own so that none of this shares an event loop with the sockets timing the pops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench.ami_ingest import CSRF, sign_in  # noqa: E402

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_TOTAL = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=300)
HEALTH_EVERY = 0.1


class FormFields(HTMLParser):
    """What a browser submits from the form whose class has ``form_class``: hidden inputs,
    ticked boxes, and each select's selected option (else its first)."""

    def __init__(self, form_class: str) -> None:
        super().__init__()
        self.form_class, self.inside = form_class, False
        self.fields: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = self.form_class in a.get("class", "").split()
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("hidden", "text") or (kind == "checkbox" and "checked" in a):
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select = a.get("name")
        elif (
            tag == "option" and self.select and (self.select not in self.fields or "selected" in a)
        ):
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_of(page: str, form_class: str) -> dict[str, str]:
    parser = FormFields(form_class)
    parser.feed(page)
    return parser.fields


def upload_form(csrf: str, content: bytes, name: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("target", "clients")
    form.add_field("file", content, filename=name, content_type=XLSX_TYPE)
    return form


async def signed_in(base: str, login: str) -> tuple[aiohttp.ClientSession, str]:
    """A browser session of ``login`` and the CSRF token its forms carry."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=NO_TOTAL)
    await sign_in(http, base, login)
    async with http.get(base + "/imports/new") as response:
        page = await response.text()
    return http, page.split(CSRF)[1].split('"')[0]


async def import_clients(http: aiohttp.ClientSession, base: str, csrf: str, content: bytes) -> dict:
    """Upload -> mapping page -> start -> done, as the manager clicks through it."""
    started = time.monotonic()
    async with http.post(
        base + "/imports/new",
        data=upload_form(csrf, content, "clients.xlsx"),
        allow_redirects=False,
    ) as response:
        if response.status != 302:
            return {"error": f"upload answered {response.status}: {(await response.text())[:300]}"}
        job_url = response.headers["Location"]
    uploaded = time.monotonic()
    async with http.get(base + job_url) as response:
        fields = form_of(await response.text(), "import-mapping")
    mapped = time.monotonic()
    fields.update(policy_phone="update", policy_email="update", action="start")
    async with http.post(base + job_url, data=fields, allow_redirects=False) as response:
        if response.status != 302:
            return {"error": f"start answered {response.status}: {(await response.text())[:300]}"}
    while True:
        async with http.get(base + "/api/v1/" + job_url.strip("/")) as response:
            job = await response.json()
        if job["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.5)
    done = time.monotonic()
    return {
        "seconds": done - started,
        "upload": uploaded - started,
        "mapping_page": mapped - uploaded,
        "run": done - mapped,
        "columns_mapped": sum(1 for k, v in fields.items() if k.startswith("column_") and v),
        **{k: job[k] for k in ("state", "created", "updated", "bad_count", "error")},
    }


async def export_clients(
    http: aiohttp.ClientSession, base: str, file_format: str, out: Path
) -> dict:
    """The whole client list as the export URL sends it; CSV lines are counted as they come,
    an XLSX is kept in ``out`` to count its rows after the window."""
    started = time.monotonic()
    size = lines = 0
    url = f"{base}/api/v1/clients/export?format={file_format}"
    async with http.get(url) as response:
        if response.status != 200:
            return {"error": f"export answered {response.status}: {(await response.text())[:300]}"}
        with (out if file_format == "xlsx" else Path(os.devnull)).open("wb") as sink:  # noqa: ASYNC230
            async for chunk in response.content.iter_chunked(1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
                sink.write(chunk)
    took = time.monotonic() - started
    return {"seconds": took, "bytes": size, "rows": lines - 1 if file_format == "csv" else None}


def xlsx_rows(path: Path) -> int:
    """Rows of the sheet after its header, read from the part as it inflates."""
    rows, tail = 0, b""
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
        while piece := sheet.read(1 << 20):
            rows += (tail + piece).count(b"</row>")
            tail = piece[-5:]
    return rows - 1


async def timed_get(http: aiohttp.ClientSession, url: str) -> tuple[float, int]:
    started = time.monotonic()
    async with http.get(url) as response:
        await response.read()
        return time.monotonic() - started, response.status


async def reports_loop(http: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> dict:
    """Every report's page and API figures in turn until ``stop``."""
    async with http.get(base + "/api/v1/reports") as response:
        names = [item["name"] for item in (await response.json())["items"]]
    took, failed = [], []
    while not stop.is_set():
        for name in names:
            for path in (f"/reports/{name}", f"/api/v1/reports/{name}"):
                seconds, status = await timed_get(http, base + path)
                took.append(seconds)
                if status >= 400:
                    failed.append(f"{path} {status}")
    return {"names": names, "took": took, "failed": failed[:10], "failures": len(failed)}


async def bombs_loop(
    http: aiohttp.ClientSession,
    base: str,
    csrf: str,
    bombs: dict[str, bytes],
    stop: asyncio.Event,
    pause: float,
) -> dict:
    """Each hostile file uploaded in turn until ``stop``: refused means a 4xx answer."""
    refused = {name: 0 for name in bombs}
    took, wrong = [], []
    while not stop.is_set():
        for name, content in bombs.items():
            started = time.monotonic()
            async with http.post(
                base + "/imports/new", data=upload_form(csrf, content, name), allow_redirects=False
            ) as response:
                page = await response.text()
            took.append(time.monotonic() - started)
            if 400 <= response.status < 500:
                refused[name] += 1
            else:
                wrong.append(f"{name}: {response.status} {page[:200]}")
            await asyncio.sleep(pause)
    return {"refused": refused, "took": took, "not_refused": wrong[:10], "sent": len(took)}


async def health_loop(base: str, stop: asyncio.Event) -> dict:
    """/health every 100 ms (the next one at once when an answer took longer); the problems
    a 503 named, counted; and the web process's event-loop lag as /health saw it (the worst
    of each minute's p99 and maximum: how long the pops' loop was held)."""
    took, problems, loop = [], {}, {"lag_p99_ms": 0.0, "lag_max_ms": 0.0}
    async with aiohttp.ClientSession(timeout=NO_TOTAL) as http:
        while not stop.is_set():
            started = time.monotonic()
            async with http.get(base + "/health") as response:
                body = await response.json()
            took.append(time.monotonic() - started)
            for figure, value in body.get("loop", {}).items():
                loop[figure] = max(loop.get(figure, 0.0), value)
            for problem in body["problems"] if response.status != 200 else ():
                problems[problem] = problems.get(problem, 0) + 1
            await asyncio.sleep(max(0.0, HEALTH_EVERY - took[-1]))
    return {"took": took, "problems": problems, "loop": loop}


def say(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir)
    content = (workdir / "import.xlsx").read_bytes()
    bombs = {path.name: path.read_bytes() for path in sorted((workdir / "bombs").glob("*"))}
    manager, manager_csrf = await signed_in(args.base, "manager")
    admin, _admin_csrf = await signed_in(args.base, "admin")
    loop = asyncio.get_running_loop()
    go, stop = asyncio.Event(), asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, go.set)
    loop.add_signal_handler(signal.SIGUSR2, stop.set)
    say({"ready": True})
    await go.wait()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        spool = Path(folder) / "clients.xlsx"
        loops = [
            asyncio.create_task(reports_loop(admin, args.base, stop)),
            asyncio.create_task(
                bombs_loop(manager, args.base, manager_csrf, bombs, stop, args.bomb_pause)
            ),
            asyncio.create_task(health_loop(args.base, stop)),
        ]
        work = await asyncio.gather(
            import_clients(manager, args.base, manager_csrf, content),
            export_clients(admin, args.base, args.export_format, spool),
        )
        say({"finished": time.monotonic() - started})
        await stop.wait()
        reports, bombs_sent, health = await asyncio.gather(*loops)
        export = work[1]
        if args.export_format == "xlsx" and "error" not in export:
            export["rows"] = xlsx_rows(spool)
    await manager.close()
    await admin.close()
    say(
        {
            "import": work[0],
            "export": export,
            "reports": reports,
            "bombs": bombs_sent,
            "health": health,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("workdir")
    parser.add_argument("--export-format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--bomb-pause", type=float, default=1.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
