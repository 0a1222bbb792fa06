"""Words for a campaign's codes as people read them, and codes translated as they are
(exported files and the audit trail show raw values through gettext)."""

from __future__ import annotations

from callcenter.i18n import N_

OUTCOME_LABELS = {
    "busy": N_("busy"),
    "no_answer": N_("no answer"),
    "failed": N_("failed"),
    "machine": N_("answering machine"),
    "congestion": N_("network congestion"),
    "answered": N_("answered"),
    "abandoned": N_("abandoned"),
    "skipped": N_("skipped"),
}
ATTEMPT_OUTCOME_LABELS = {**OUTCOME_LABELS, "": N_("in progress")}
CONTACT_STATE_LABELS = {
    "pending": N_("not called yet"),
    "dialing": N_("being called"),
    "retry": N_("to call again"),
    "done": N_("done"),
    "exhausted": N_("attempts used up"),
    "excluded": N_("excluded"),
}
DISPOSITION_KIND_LABELS = {
    "success": N_("a success"),
    "refusal": N_("a refusal (needs a reason)"),
    "callback": N_("call back (at a time)"),
    "other": N_("something else"),
}
CONSENT_CHANNEL_LABELS = {
    "call": N_("Calls"),
    "sms": N_("SMS"),
    "email": N_("E-mail"),
}
CONSENT_METHOD_LABELS = {
    "call": N_("in a call"),
    "web_form": N_("a web form"),
    "paper": N_("on paper"),
    "sms": N_("by SMS"),
    "email": N_("by e-mail"),
    "other": N_("otherwise"),
}

TERMS = (
    # raw codes, as exported files and the audit trail show them
    N_("machine"),
    N_("congestion"),
    N_("skipped"),
    N_("pending"),
    N_("dialing"),
    N_("retry"),
    N_("exhausted"),
    N_("excluded"),
    # the campaign page's buttons
    N_("Start"),
    N_("Resume"),
    N_("Pause"),
    N_("Stop"),
    # campaign states and modes
    N_("draft"),
    N_("running"),
    N_("paused"),
    N_("stopped"),
    N_("finished"),
    N_("preview"),
    N_("progressive"),
    N_("predictive"),
    # audit actions and fields of campaigns and consents
    N_("create"),
    N_("update"),
    N_("start"),
    N_("pause"),
    N_("resume"),
    N_("stop"),
    N_("dnc_add"),
    N_("dnc_remove"),
    N_("consent_given"),
    N_("consent_withdrawn"),
    N_("consent"),
    N_("do_not_call"),
    N_("state"),
    N_("mode"),
    N_("queue"),
    N_("agent_ids"),
    N_("caller_id"),
    N_("script"),
    N_("dispositions"),
    N_("refusal_reasons"),
    N_("advertising"),
    N_("starts_on"),
    N_("ends_on"),
    N_("weekdays"),
    N_("window_from"),
    N_("window_to"),
    N_("retry_rules"),
    N_("max_attempts"),
    N_("ring_seconds"),
    N_("max_dial_ratio"),
    N_("abandon_cap_percent"),
    N_("abandon_grace_seconds"),
)
