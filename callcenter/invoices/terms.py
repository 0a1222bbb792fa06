"""What the pages call invoice states, VAT modes and history entries, in users' words."""

from __future__ import annotations

from callcenter.i18n import N_

VAT_MODE_LABELS = {
    "included": N_("Prices include VAT"),
    "on_top": N_("VAT added on top of prices"),
    "none": N_("No VAT"),
}
STATUS_LABELS = {
    "unpaid": N_("Unpaid"),
    "partly_paid": N_("Partly paid"),
    "paid": N_("Paid"),
    "cancelled": N_("Cancelled"),
}
# an order's payment, over its invoices that are not cancelled
ORDER_PAYMENT_LABELS = {
    "unpaid": N_("Unpaid"),
    "partly_paid": N_("Partly paid"),
    "paid": N_("Paid"),
    "none": N_("No invoice"),
}
HISTORY_LABELS = {
    "issued": N_("Issued"),
    "payment": N_("Payment recorded"),
    "payment_removed": N_("Payment removed"),
    "cancelled": N_("Cancelled"),
    "emailed": N_("Sent by e-mail"),
    "to": N_("To"),
    "number": N_("Number"),
    "total": N_("Total"),
    "amount": N_("Amount"),
    "paid_on": N_("Paid on"),
    "reason": N_("Reason"),
}
