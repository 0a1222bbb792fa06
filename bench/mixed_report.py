"""The figures of ``bench/mixed.py`` and its verdict against the targets."""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass
from typing import Any

from bench import ami_ingest
from bench.ami_ingest import percentile
from bench.wallboard import KINDS, Frames

POP_P99_S = 0.050
WALLBOARD_P99_S = 1.0
IMPORT_S = 45.0


@dataclass
class Figures:
    args: argparse.Namespace
    sent: int
    handled: int
    reconnects: int
    elapsed: float  # the window
    drain: float  # from the source's stop to an empty backlog
    settled: float  # then, until the floor's sockets had every frame owed (or none came)
    back_office_s: float  # the import and the export together (inf: not done in the window)
    pops: list[float]
    pops_owed: int  # ringing announced for the operators' extensions in the window
    stages: list[tuple[float, float, float]]
    frames: Frames
    board_owed: int  # agent and queue changes announced in the window, times the supervisors
    # per kind, each figure's delay until its socket showed it or a newer state of the same
    # agent or queue (BoardFrames.freshness); and how many were never shown
    board: tuple[dict[str, list[float]], int]
    office: dict[str, Any]
    shares: dict[str, float]
    loop_late: list[float]
    since: float


def spread(samples: list[float], unit: float = 1000, suffix: str = "ms") -> str:
    if not samples:
        return "none"
    p50, p99 = percentile(samples, 50) * unit, percentile(samples, 99) * unit
    return (
        f"p50 {p50:,.1f} {suffix}, p99 {p99:,.1f} {suffix}, "
        f"max {max(samples) * unit:,.1f} {suffix} ({len(samples):,})"
    )


def missing(received: int, owed: int) -> str:
    """Frames announced for the window's events that never reached the sockets."""
    if received >= owed:
        return f"all {owed:,} announced arrived"
    lost = owed - received
    return f"{lost:,} of {owed:,} announced NEVER ARRIVED ({lost / max(owed, 1) * 100:.1f} %)"


def worst_case(samples: list[float], owed: int, pct: float) -> float:
    """The percentile with every frame that never arrived counted as infinitely late."""
    counted = samples + [math.inf] * max(0, owed - len(samples))
    return percentile(counted, pct) if counted else math.inf


def print_floor(f: Figures) -> None:
    print(
        f"events: {f.sent:,} sent, {f.handled:,} handled "
        f"({'all accounted for' if f.handled == f.sent else 'MISMATCH'}); "
        f"{f.sent / f.elapsed:,.0f} events/s over a {f.elapsed:.0f} s window; backlog drained "
        f"{f.drain:.1f} s after the replay stopped"
    )
    if f.reconnects:
        print(f"  the PBX link reconnected {f.reconnects} times: figures void")
    if f.sent < f.args.rate * f.elapsed * 0.95:
        print("  the replay ran out of recorded events before the window ended (--longest)")
    print(
        f"screen-pops to {f.args.operators} operators: {spread(f.pops)}; "
        f"{missing(len(f.pops), f.pops_owed)}"
    )
    if f.stages:
        names = ("event -> sent", "sent -> hub", "hub -> websocket")
        print(
            "  where the time goes, p50/p99: "
            + "; ".join(
                f"{name} {percentile([s[k] for s in f.stages], 50) * 1000:.1f}/"
                f"{percentile([s[k] for s in f.stages], 99) * 1000:.1f} ms"
                for k, name in enumerate(names)
            )
        )
    if ami_ingest.ARRIVALS:
        ami_ingest.print_stalls(f.since, 0.05)
    shown, lost = f.board
    for kind in KINDS:
        print(
            f"wallboard {kind} figures to {f.frames.connected} supervisors, event -> that "
            f"state or a newer one shown: {spread(shown[kind])}; frames as sent "
            f"{spread(f.frames.delays[kind])}; hub -> socket {spread(f.frames.hub[kind])}"
        )
    print(
        f"  wallboard figures: {missing(f.board_owed - lost, f.board_owed)}; "
        f"{f.frames.received():,} frames carried them (the hub sends the newest state of an "
        "agent or queue in place of older ones waiting)"
    )
    print(
        f"  the last frames came {f.settled:.1f} s after the backlog drained"
        + (" (gave up waiting: --settle)" if f.settled >= f.args.settle else "")
    )
    print(f"  this process's loop woke late by {spread(f.loop_late)}")


def print_back_office(f: Figures) -> None:
    imported, exported = f.office["import"], f.office["export"]
    if "error" in imported and "seconds" not in imported:
        print(f"import: FAILED: {imported['error']}")
    else:
        print(
            f"import of {f.args.import_rows:,} rows (XLSX, through the pages): "
            f"{imported['seconds']:.1f} s from upload to done ({imported['state']}; upload "
            f"{imported['upload']:.1f} s, mapping page {imported['mapping_page']:.1f} s, run "
            f"{imported['run']:.1f} s); created {imported['created']:,}, updated "
            f"{imported['updated']:,}, bad rows {imported['bad_count']:,}"
            + (f"; error: {imported['error']}" if imported.get("error") else "")
        )
    if "error" in exported:
        print(f"export: FAILED: {exported['error']}")
    else:
        print(
            f"export of the client list ({f.args.export_format.upper()}): {exported['rows']:,} "
            f"rows in {exported['seconds']:.1f} s ({exported['rows'] / exported['seconds']:,.0f} "
            f"rows/s), {exported['bytes'] / 1024 / 1024:,.1f} MiB"
        )
    reports, bombs, health = f.office["reports"], f.office["bombs"], f.office["health"]
    print(
        f"reports ({len(reports['names'])}, page and API each, refreshed every "
        f"{f.args.report_refresh:g} s): {spread(reports['took'])}; "
        f"{reports['failures']} failed {reports['failed'][:3] or ''}"
    )
    refused = sum(bombs["refused"].values())
    print(
        f"bombs: {refused:,} of {bombs['sent']:,} refused with a 4xx "
        f"({', '.join(f'{k} {v}' for k, v in bombs['refused'].items())}); answered in "
        f"{spread(bombs['took'])}"
        + (f"; NOT refused: {bombs['not_refused'][:3]}" if bombs["not_refused"] else "")
    )
    problems = "; ".join(f"{k} ({v})" for k, v in health["problems"].items())
    print(f"/health every 100 ms: {spread(health['took'])}; 503: {problems or 'none'}")
    loop = health.get("loop", {})
    print(
        f"web event loop lag (worst minute): p99 {loop.get('lag_p99_ms', 0):.0f} ms,"
        f" max {loop.get('lag_max_ms', 0):.0f} ms"
    )


def print_cpu(f: Figures) -> None:
    print(
        "CPU over the window, share of one core: "
        + ", ".join(f"{k} {v * 100:.0f} %" for k, v in f.shares.items() if k != "machine")
        + f"; the machine's {f.shares['machine'] * 100:.0f} % of {os.cpu_count()} cores busy "
        "(anyone's)"
    )


def ms(seconds: float) -> str:
    return "frames never arrived" if math.isinf(seconds) else f"{seconds * 1000:,.1f} ms"


def verdicts(f: Figures) -> list[tuple[str, bool, str]]:
    wallboard = [d for kind in KINDS for d in f.board[0][kind]]
    imported, exported, bombs = f.office["import"], f.office["export"], f.office["bombs"]
    import_s = imported.get("seconds", float("inf"))
    import_ok = imported.get("state") == "done" and import_s <= IMPORT_S
    pop99 = worst_case(f.pops, f.pops_owed, 99)
    board99 = worst_case(wallboard, f.board_owed, 99)
    rows_ok = "error" not in exported and exported["rows"] >= f.args.export_rows
    return [
        ("pop p99 <= 50 ms (a pop never sent: late)", pop99 <= POP_P99_S, ms(pop99)),
        ("wallboard p99 <= 1 s (likewise)", board99 <= WALLBOARD_P99_S, ms(board99)),
        (
            "every event handled",
            f.sent == f.handled and not f.reconnects,
            f"{f.handled:,}/{f.sent:,}",
        ),
        ("import done <= 45 s", import_ok, f"{import_s:.1f} s, {imported.get('state')}"),
        ("export whole", rows_ok, f"{exported.get('rows')} rows"),
        (
            "every bomb refused with a 4xx",
            bombs["sent"] > 0 and not bombs["not_refused"] and all(bombs["refused"].values()),
            f"{sum(bombs['refused'].values())}/{bombs['sent']}",
        ),
    ]


def print_figures(f: Figures) -> None:
    print_floor(f)
    print_back_office(f)
    print_cpu(f)
    results = verdicts(f)
    for name, ok, value in results:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {value}")
    print("ALL PASS" if all(ok for _, ok, _ in results) else "SOME FAILED")
