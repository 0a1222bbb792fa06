"""A mailing's texts as the SMS status poll and callback see them (``callcenter.sms.status``):
a recipient ``sent`` becomes ``delivered`` when the provider confirms it, or ``failed`` with
the provider's reason."""

from __future__ import annotations

from callcenter.mailings.models import MailingRecipient
from callcenter.sms.status import Tracked

RECIPIENTS = Tracked(MailingRecipient, "address", "reason")
