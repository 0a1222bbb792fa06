"""Who is who on a channel: agent extensions, Local channel halves, phone numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ami.events import UNKNOWN
from callcenter.phones import try_e164

# Local/101@agents-0000000e;1 : exten, context, half
_LOCAL = re.compile(r"^Local/([^@;]*)@(.+)-[0-9a-fA-F]+;([12])$")
# PJSIP/101-00000012, Local/101@agents/n, Local/101@agents-0000000e;1, PJSIP/101 -> 101
_AGENT = re.compile(r"^[A-Za-z0-9_]+/([^@/;]+?)(?:-[0-9a-fA-F]{8})?(?:[@/;].*)?$")


@dataclass(frozen=True, slots=True)
class LocalHalf:
    """One half of a Local channel pair: ``;1`` is the dialed side, ``;2`` runs the dialplan."""

    exten: str
    context: str
    half: int
    base: str  # the name without ``;1``/``;2``: the same for both halves


def local_half(channel: str) -> LocalHalf | None:
    match = _LOCAL.match(channel)
    if match is None:
        return None
    exten, context, half = match.groups()
    return LocalHalf(exten, context, int(half), channel[:-2])


def creation_context(channel: str, context: str) -> str:
    """The context a channel was created in: a Local channel's name keeps it for life,
    while its ``Context`` field follows the dialplan (``agents`` -> ``outbound``)."""
    local = local_half(channel)
    return local.context if local is not None else context


def agent_of(name: str) -> str:
    """The agent's extension from a channel or queue member interface:
    ``Local/101@agents/n``, ``Local/101@agents-0000000e;1``, ``PJSIP/101-00000012`` -> ``101``."""
    match = _AGENT.match(name)
    return match.group(1) if match else name


@lru_cache(maxsize=8192)
def party_number(raw: str, region: str) -> str:
    """E.164 when ``raw`` is a phone number, else ``raw`` as is (``101``); ``<unknown>`` -> ""."""
    text = raw.strip()
    if not text or text == UNKNOWN:
        return ""
    return try_e164(text, region) or text
