from __future__ import annotations

from callcenter.errors import Conflict
from callcenter.invoices.input import InvoiceInvalid

__all__ = ["CompanyMissing", "InvoiceConflict", "InvoiceInvalid"]


class CompanyMissing(Conflict):
    """No invoice can be issued before the seller's requisites are filled in."""

    id = "company_missing"


class InvoiceConflict(Conflict):
    """The invoice's state forbids this: cancelled, already paid, has payments."""

    id = "invoice_conflict"
