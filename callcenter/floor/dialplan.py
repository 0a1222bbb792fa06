"""How the CRM addresses agents and numbers on the PBX, from the settings.

``CALLCENTER_AGENT_DIAL`` (``PJSIP/{extension}``, or ``Local/{extension}@agents`` where agents
are Local channels) gives the channel to ring an agent and the queue member interface (a Local
member gets ``/n``, as Asterisk's own examples do). ``CALLCENTER_DIAL_FORMAT`` gives the number
as the outbound context expects it: ``e164`` (+79161234567), ``digits`` (79161234567) or
``national`` (89161234567 for Russian numbers, the trunk prefix elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

DIAL_FORMATS = ("e164", "digits", "national")


@dataclass(frozen=True)
class DialPlan:
    agent_dial: str = "PJSIP/{extension}"
    outbound_context: str = "outbound"
    dial_format: str = "e164"
    caller_id: str = ""  # the company's number presented to customers ("" = the dialplan's)
    pbx: str = "default"  # which PBX (its listener's name) the commands go to

    def agent_channel(self, extension: str) -> str:
        return self.agent_dial.format(extension=extension)

    def member_interface(self, extension: str) -> str:
        channel = self.agent_channel(extension)
        if channel.startswith("Local/") and not channel.endswith("/n"):
            return channel + "/n"
        return channel

    def state_interface(self, extension: str) -> str:
        return self.agent_channel(extension).removesuffix("/n")

    def dial_number(self, e164: str) -> str:
        if self.dial_format == "e164":
            return e164
        if self.dial_format == "digits":
            return e164.lstrip("+")
        number = phonenumbers.parse(e164, None)
        if number.country_code == 7:
            return "8" + str(number.national_number)
        return (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            .replace(" ", "")
            .replace("-", "")
        )
