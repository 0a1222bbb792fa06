"""The events an endpoint may subscribe to, with the words the admin page shows for them."""

from __future__ import annotations

from callcenter.i18n import N_

EVENTS: dict[str, str] = {
    "call.ringing": N_("A call started ringing"),
    "call.answered": N_("A call was answered"),
    "call.ended": N_("A call ended (with its record)"),
    "call.missed": N_("An inbound call was missed"),
    "client.created": N_("A client was created"),
    "client.updated": N_("A client was changed"),
    "client.merged": N_("Two clients were merged"),
    "order.created": N_("An order was created"),
    "order.status_changed": N_("An order moved to another status"),
    "invoice.paid": N_("An invoice was paid in full"),
    "task.created": N_("A task was created"),
    "task.due": N_("A task came due"),
    "feedback.created": N_("Feedback was recorded"),
    "campaign.finished": N_("A campaign finished"),
    "mailing.finished": N_("A mailing finished"),
}
