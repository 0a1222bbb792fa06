"""AMI actions of the simulator: the dispatcher and the session/system actions.

Call actions live in ``call_actions``, queue actions in ``queue_actions``; ``ACTIONS``
here lists every action the simulator answers.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time

from ami.protocol import Message, encode_message
from ami.simulator import call_actions, queue_actions
from ami.simulator.pbx import Pbx
from ami.simulator.request import Handler, Request
from ami.simulator.server import AmiSession

log = logging.getLogger(__name__)

VERSION = "22.10.1"
BUILT = (
    f"Asterisk {VERSION} built by root @ vm on a x86_64 running Linux on 2026-11-26 17:34:24 UTC"
)
UNKNOWN_ACTION = "Invalid/unknown command: {}. Use Action: ListCommands to show available commands."


def _event_tv() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}+0000"


def _security_event(
    request: Request, name: str, severity: str, extra: list[tuple[str, str]]
) -> None:
    """SuccessfulAuth / RequestBadFormat, keys in Asterisk's order (07b)."""
    session = request.session
    pairs = [("EventTV", _event_tv()), ("Severity", severity), ("Service", "AMI")]
    pairs += [("EventVersion", "1")]
    addresses = [("LocalAddress", "IPV4/TCP/127.0.0.1/5038")]
    addresses += [("RemoteAddress", f"IPV4/TCP/{session.remote}")]
    session_id = ("SessionID", hex(id(session)))
    if name == "SuccessfulAuth":
        pairs += [("AccountID", session.username), session_id, *addresses, *extra]
    else:
        pairs += [session_id, *addresses, *extra]
    pairs.append(("SessionTV", _event_tv()))
    if name != "SuccessfulAuth":
        pairs.append(("AccountID", session.username))
    request.pbx.emit(name, pairs, "security,all")


async def login(request: Request) -> bool:
    config, session = request.pbx.config, request.session
    username, secret = request.get("username"), request.fields.get("secret", "")
    good_user = hmac.compare_digest(username, config.username)
    if not (good_user and hmac.compare_digest(secret, config.secret)):
        log.info("AMI login failed for %r from %s", username, session.remote)
        await asyncio.sleep(config.auth_failure_delay_s * request.pbx.speed)
        request.error("Authentication failed")
        return False
    session.authenticated, session.username = True, username
    session.set_events(request.get("events", "on"))
    request.respond("Success", "Authentication accepted")
    if session.wants("system,all"):
        uptime = str(int(request.pbx.now() - request.pbx.started_wall))
        pairs = [("Uptime", uptime), ("LastReload", uptime), ("Status", "Fully Booted")]
        session.send_event(
            encode_message([("Event", "FullyBooted"), ("Privilege", "system,all"), *pairs])
        )
    addresses = [
        ("LocalAddress", "IPV4/TCP/127.0.0.1/5038"),
        ("RemoteAddress", f"IPV4/TCP/{session.remote}"),
    ]
    extra = [("AccountID", username), ("SessionID", hex(id(session))), *addresses]
    _security_event(request, "SuccessfulAuth", "Informational", [*extra, ("UsingPassword", "0")])
    return True


async def logoff(request: Request) -> bool:
    request.respond("Goodbye", "Thanks for all the fish.")
    return False


async def ping(request: Request) -> None:
    now = time.time()
    request.respond("Success", extra=[("Ping", "Pong"), ("Timestamp", f"{now:.6f}")])


async def events(request: Request) -> None:
    on = request.session.set_events(request.get("eventmask", "on"))
    request.respond("Success", extra=[("Events", "On" if on else "Off")])


async def getvar(request: Request) -> None:
    name = request.get("variable")
    if not name:
        request.error("No variable specified")
        return
    value = request.pbx.globals.get(name, "")
    request.respond("Success", extra=[("Variable", name), ("Value", value)])


async def setvar(request: Request) -> None:
    name = request.get("variable")
    if not name:
        request.error("No variable specified")
        return
    if not request.get("channel"):
        request.pbx.globals[name] = request.fields.get("value", "")
    request.respond("Success", "Variable Set")


async def command(request: Request) -> None:
    text = request.get("command")
    if text == "core show version":
        output = BUILT
    else:
        output = (
            f"No such command '{text}' (type 'core show help {text}' for other possible commands)"
        )
    request.respond("Success", "Command output follows", [("Output", output)])


async def core_settings(request: Request) -> None:
    pairs = [("AMIversion", "11.0.0"), ("AsteriskVersion", VERSION), ("SystemName", "")]
    pairs += [("CoreMaxCalls", "0"), ("CoreMaxLoadAvg", "0.000000"), ("CoreRunUser", "")]
    pairs += [("CoreRunGroup", ""), ("CoreMaxFilehandles", "0"), ("CoreRealTimeEnabled", "No")]
    pairs += [("CoreCDRenabled", "Yes"), ("CoreHTTPenabled", "No")]
    request.respond("Success", extra=[*pairs, ("SoundsSearchCustomDir", "No")])


async def core_status(request: Request) -> None:
    started = time.localtime(request.pbx.started_wall)
    date, clock = time.strftime("%Y-%m-%d", started), time.strftime("%H:%M:%S", started)
    calls = len({c.linkedid for c in request.pbx.channels.values()})
    pairs = [("CoreStartupDate", date), ("CoreStartupTime", clock), ("CoreReloadDate", date)]
    pairs += [("CoreReloadTime", clock), ("CoreCurrentCalls", str(calls))]
    request.respond("Success", extra=[*pairs, ("CoreProcessedCalls", str(request.pbx.call_count))])


ACTIONS: dict[str, Handler] = {
    "login": login,
    "logoff": logoff,
    "ping": ping,
    "events": events,
    "getvar": getvar,
    "setvar": setvar,
    "command": command,
    "coresettings": core_settings,
    "corestatus": core_status,
    **call_actions.ACTIONS,
    **queue_actions.ACTIONS,
}


async def handle(pbx: Pbx, session: AmiSession, message: Message) -> bool:
    """Answer one action; False when the connection must close."""
    request = Request.of(session, pbx, message)
    name = request.action
    if not name:
        request.error("Missing action in request")
        return True
    if not session.authenticated and name.lower() not in ("login", "logoff", "challenge"):
        request.error("Permission denied")
        return True
    handler = ACTIONS.get(name.lower())
    if handler is None:
        request.error(UNKNOWN_ACTION.format(name))
        extra = [("SessionID", hex(id(session))), ("RequestType", f"Action: {name}")]
        _security_event(
            request, "RequestBadFormat", "Error", [*extra, ("AccountID", session.username)]
        )
        return True
    try:
        return await handler(request) is not False
    except Exception:  # one bad action must not kill the session or the server
        log.exception("AMI action %s failed", name)
        request.error(f"Internal error handling {name}")
        return True
