"""What partners' services refuse, each with its id and HTTP status."""

from __future__ import annotations

from callcenter.errors import Conflict, Invalid


class PartnerInvalid(Invalid):
    """A partner's, plan's or payout's form has fields to correct."""

    id = "partner_invalid"


class SponsorCycle(Conflict):
    """The sponsor chosen is the partner or one of their own downline: the tree would loop."""

    id = "partner_cycle"


class PayoutConflict(Conflict):
    """Nothing is payable by the statement's end, or the balance is negative."""

    id = "payout_conflict"
