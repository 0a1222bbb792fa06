"""The provider the settings choose: ``CALLCENTER_SMS_PROVIDER`` = smsc, twilio or off."""

from __future__ import annotations

from callcenter.settings import Settings
from callcenter.sms.gateway import Provider
from callcenter.sms.smsc import Smsc
from callcenter.sms.twilio import Twilio


def make_provider(settings: Settings) -> Provider | None:
    """The configured provider, or None when SMS is off."""
    if settings.sms_provider == "smsc":
        return Smsc(settings)
    if settings.sms_provider == "twilio":
        return Twilio(settings)
    return None
