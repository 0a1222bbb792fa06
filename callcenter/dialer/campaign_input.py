"""What a manager submits for a campaign, kept as typed, and its validation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any

from callcenter.dialer.models import MODES
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.limits import DAY_OUT_OF_RANGE, sane_day
from callcenter.phones import PhoneError, parse_phone

DISPOSITION_KINDS = ("success", "refusal", "callback", "other")
RETRY_OUTCOMES = ("busy", "no_answer", "failed", "machine", "congestion")
AROUND_THE_CLOCK = time(0, 0)  # a window from 00:00 to 00:00 never closes
# after how many minutes, how many times: the notes' suggestions (busy 10-30 min, no answer
# 1-4 h, a machine another part of the day, congestion within minutes)
DEFAULT_RETRY = {
    "busy": (15, 3),
    "no_answer": (120, 3),
    "failed": (30, 2),
    "machine": (240, 2),
    "congestion": (5, 3),
}
MAX_TEXT = 20_000


class CampaignInvalid(Invalid):
    id = "campaign_invalid"


@dataclass
class DispositionInput:
    code: str = ""
    label: str = ""
    kind: str = "other"


@dataclass
class RetryInput:
    after_minutes: str = ""
    max: str = ""


def default_retry() -> dict[str, RetryInput]:
    return {k: RetryInput(str(after), str(times)) for k, (after, times) in DEFAULT_RETRY.items()}


@dataclass
class CampaignInput:
    """Every field as the form or the API gave it, so a bad one is shown back as typed."""

    name: str = ""
    mode: str = "progressive"
    queue: str = ""
    agent_ids: list[int] = field(default_factory=list)
    caller_id: str = ""
    script: str = ""
    dispositions: list[DispositionInput] = field(default_factory=list)
    refusal_reasons: str = ""  # one per line
    advertising: bool = False
    starts_on: str = ""
    ends_on: str = ""
    weekdays: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5])
    window_from: str = "09:00"
    window_to: str = "21:00"
    retry: dict[str, RetryInput] = field(default_factory=default_retry)
    max_attempts: str = "5"
    ring_seconds: str = "25"
    max_dial_ratio: str = "3.00"
    abandon_cap_percent: str = "3.00"
    abandon_grace_seconds: str = "2"


@dataclass
class CleanCampaign:
    name: str
    mode: str
    queue: str
    agent_ids: list[int]
    caller_id: str
    script: str
    dispositions: list[dict[str, str]]
    refusal_reasons: list[str]
    advertising: bool
    starts_on: date | None
    ends_on: date | None
    weekdays: list[int]
    window_from: time
    window_to: time
    retry_rules: dict[str, dict[str, int]]
    max_attempts: int
    ring_seconds: int
    max_dial_ratio: Decimal
    abandon_cap_percent: Decimal
    abandon_grace_seconds: int

    def values(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _whole(errors: dict[str, str], name: str, text: str, low: int, high: int, message: str) -> int:
    text = text.strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        errors[name] = message
        return low
    return int(text)


def _decimal(
    errors: dict[str, str], name: str, text: str, low: str, high: str, message: str
) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(low) <= value <= Decimal(high):
        errors[name] = message
        return Decimal(low)
    return value.quantize(Decimal("0.01"))


def _day(errors: dict[str, str], name: str, text: str) -> date | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = N_("A date like 2026-03-01")
        return None
    if not sane_day(day):
        errors[name] = DAY_OUT_OF_RANGE
        return None
    return day


def read_clock(errors: dict[str, str], name: str, text: str) -> time:
    """A time of day typed as 9:00 or 09:00; a bad one is named in ``errors``."""
    if not re.fullmatch(r"\d{1,2}:\d{2}(:00)?", text.strip()):
        errors[name] = N_("A time of day like 09:00")
        return time(0)
    hours, minutes = (int(part) for part in text.strip().split(":")[:2])
    if hours > 23 or minutes > 59:
        errors[name] = N_("A time of day like 09:00")
        return time(0)
    return time(hours, minutes)


def _code(label: str, taken: set[str]) -> str:
    """A stable code from the label's Latin letters and digits, else ``d1``, ``d2``..."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30]
    code, n = base, 1
    while not code or code in taken:
        code, n = f"{base or 'd'}{'_' if base else ''}{n}", n + 1
    return code


def _dispositions(errors: dict[str, str], items: list[DispositionInput]) -> list[dict[str, str]]:
    result: list[dict[str, str]] = []
    taken: set[str] = set()
    for item in items:
        label, code = item.label.strip(), item.code.strip().lower()
        if not label and not code:
            continue  # a blank row of the form
        if not label or len(label) > 100:
            errors["dispositions"] = N_("Each disposition needs a name of up to 100 characters")
        elif code and (not re.fullmatch(r"[a-z0-9_\-]{1,40}", code) or code in taken):
            errors["dispositions"] = N_("Codes are unique, up to 40 Latin letters, digits, - and _")
        elif item.kind not in DISPOSITION_KINDS:
            errors["dispositions"] = N_("Choose what each disposition means")
        code = code or _code(label, taken)
        taken.add(code)
        result.append({"code": code, "label": label, "kind": item.kind})
    if not result and "dispositions" not in errors:
        errors["dispositions"] = N_("Give at least one disposition")
    return result


def _reasons(errors: dict[str, str], text: str, dispositions: list[dict[str, str]]) -> list[str]:
    reasons: list[str] = []
    for line in text.splitlines():
        reason = line.strip()
        if reason and reason not in reasons:
            reasons.append(reason)
    if any(len(r) > 200 for r in reasons):
        errors["refusal_reasons"] = N_("A refusal reason is up to 200 characters")
    if not reasons and any(d["kind"] == "refusal" for d in dispositions):
        errors["refusal_reasons"] = N_("A refusal needs its reasons: give at least one")
    return reasons


def _retry(errors: dict[str, str], rules: dict[str, RetryInput]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    message = N_("After 1 to 10080 minutes, 0 to 20 times")
    for outcome in RETRY_OUTCOMES:
        rule = rules.get(outcome) or RetryInput(*map(str, DEFAULT_RETRY[outcome]))
        after = _whole(errors, f"retry_{outcome}", rule.after_minutes, 1, 10080, message)
        times = _whole(errors, f"retry_{outcome}", rule.max, 0, 20, message)
        result[outcome] = {"after_minutes": after, "max": times}
    return result


def _caller_id(errors: dict[str, str], text: str, region: str) -> str:
    if not text.strip():
        return ""
    try:
        return parse_phone(text, region).e164
    except PhoneError:
        errors["caller_id"] = N_("The caller ID is a phone number customers can call back")
        return ""


def _schedule(errors: dict[str, str], data: CampaignInput) -> dict[str, Any]:
    starts_on = _day(errors, "starts_on", data.starts_on)
    ends_on = _day(errors, "ends_on", data.ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = N_("The last day comes after the first")
    weekdays = sorted({d for d in data.weekdays if 1 <= d <= 7})
    if not weekdays:
        errors["weekdays"] = N_("Choose the days of the week to call on")
    window_from = read_clock(errors, "window_from", data.window_from)
    window_to = read_clock(errors, "window_to", data.window_to)
    around_the_clock = window_from == window_to == AROUND_THE_CLOCK  # 00:00-00:00
    clocks_read = "window_from" not in errors and "window_to" not in errors
    if clocks_read and window_to <= window_from and not around_the_clock:
        errors["window_to"] = N_("The window closes after it opens")
    return {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "weekdays": weekdays,
        "window_from": window_from,
        "window_to": window_to,
    }


def _pacing(errors: dict[str, str], data: CampaignInput) -> dict[str, Any]:
    return {
        "max_attempts": _whole(
            errors, "max_attempts", data.max_attempts, 1, 50, N_("From 1 to 50 attempts")
        ),
        "ring_seconds": _whole(
            errors, "ring_seconds", data.ring_seconds, 10, 120, N_("From 10 to 120 seconds")
        ),
        "max_dial_ratio": _decimal(
            errors, "max_dial_ratio", data.max_dial_ratio, "1", "5", N_("From 1.00 to 5.00")
        ),
        "abandon_cap_percent": _decimal(
            errors,
            "abandon_cap_percent",
            data.abandon_cap_percent,
            "0.1",
            "10",
            N_("From 0.1 to 10 percent"),
        ),
        "abandon_grace_seconds": _whole(
            errors,
            "abandon_grace_seconds",
            data.abandon_grace_seconds,
            1,
            10,
            N_("From 1 to 10 seconds"),
        ),
    }


def validate_campaign(data: CampaignInput, *, region: str) -> CleanCampaign:
    """Every field checked at once; CampaignInvalid names each bad one."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name or len(name) > 200:
        errors["name"] = N_("Give the campaign a name of up to 200 characters")
    if data.mode not in MODES:
        errors["mode"] = N_("Choose preview, progressive or predictive")
    queue = data.queue.strip()
    if not queue and not data.agent_ids:
        errors["queue"] = N_("Choose the queue or the agents who take the calls")
    if len(data.script) > MAX_TEXT:
        errors["script"] = N_("The text is too long")
    dispositions = _dispositions(errors, data.dispositions)
    clean = CleanCampaign(
        name=name,
        mode=data.mode,
        queue=queue,
        agent_ids=sorted(set(data.agent_ids)),
        caller_id=_caller_id(errors, data.caller_id, region),
        script=data.script.strip(),
        dispositions=dispositions,
        refusal_reasons=_reasons(errors, data.refusal_reasons, dispositions),
        advertising=data.advertising,
        retry_rules=_retry(errors, data.retry),
        **_schedule(errors, data),
        **_pacing(errors, data),
    )
    if errors:
        raise CampaignInvalid(N_("Please correct the marked fields"), fields=errors)
    return clean
