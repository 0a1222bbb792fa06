"""The words the pages show for a mailing's and a recipient's states and kinds (msgids)."""

from __future__ import annotations

from callcenter.i18n import N_

STATE_LABELS = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "done": N_("done"),
}
RECIPIENT_LABELS = {
    "queued": N_("waiting"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("not sent"),
    "bounced": N_("bounced"),
    "skipped": N_("left out"),
}
KIND_LABELS = {"advertising": N_("advertising"), "service": N_("service message")}
