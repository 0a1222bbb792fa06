"""Messages that are translated from a variable (``_(u.role)``, ``_(field)``, ``_(label)``…).

Extraction cannot see a variable's values, so they are listed here as ``N_`` calls: ``make
messages`` then keeps them in the catalog. Nothing imports this module at run time.
"""

from __future__ import annotations

from callcenter.i18n import N_

TERMS = (
    # roles: callcenter.users.roles.Role
    N_("operator"),
    N_("manager"),
    N_("supervisor"),
    N_("admin"),
    N_("partner"),
    # partners: statuses, commission line kinds and states, audit actions, the nav
    N_("active"),
    N_("suspended"),
    N_("accrual"),
    N_("reversal"),
    N_("held"),
    N_("payable"),
    N_("paid"),
    N_("reversed"),
    N_("attributed"),
    N_("attribution_kept"),
    N_("offered"),
    N_("source"),
    N_("payout"),
    N_("My partnership"),
    N_("Partners"),
    N_("Commission plans"),
    # phone kinds
    N_("mobile"),
    N_("work"),
    N_("home"),
    N_("fax"),
    # audit actions
    N_("created"),
    N_("updated"),
    N_("merged"),
    N_("merged_into"),
    # audited client fields: callcenter.clients.fields.SCALARS and the collections
    N_("kind"),
    N_("name"),
    N_("company_id"),
    N_("inn"),
    N_("kpp"),
    N_("ogrn"),
    N_("legal_address"),
    N_("postal_address"),
    N_("bank_name"),
    N_("bik"),
    N_("corr_account"),
    N_("settlement_account"),
    N_("owner_id"),
    N_("channel_id"),
    N_("segment_id"),
    N_("notify_by"),
    N_("notes"),
    N_("phones"),
    N_("emails"),
    N_("tags"),
    N_("merged_from"),
    # audited user fields: callcenter.users.service.AUDITED and the password
    N_("login"),
    N_("full_name"),
    N_("role"),
    N_("language"),
    N_("timezone"),
    N_("extension"),
    N_("sees_all_clients"),
    N_("active"),
    N_("password"),
    # duplicate fields: callcenter.clients.service.Duplicate
    N_("phone"),
    N_("email"),
    # navigation: web.templating._nav
    N_("Clients"),
    N_("Wallboard"),
    N_("Lists"),
    N_("Users"),
    # list titles: templates/admin/lists.html
    N_("Acquisition channels"),
    N_("Segments"),
    # labels passed to macros: sort_link() and select_ref() in templates/clients/
    N_("Name"),
    N_("Created"),
    N_("Updated"),
    N_("nobody"),
    N_("Any owner"),
    N_("Any channel"),
    N_("Any segment"),
    N_("Any tag"),
    # error pages: web.errors
    N_("Page not found"),
    N_("Method not allowed"),
    N_("Something went wrong on our side"),
    # call directions and outcomes: callcenter.calls.records
    N_("inbound"),
    N_("outbound"),
    N_("internal"),
    N_("answered"),
    N_("no_answer"),
    N_("busy"),
    N_("failed"),
    N_("abandoned"),
    # wrap-up results: callcenter.calls.wrapup.RESULTS
    N_("resolved"),
    N_("follow_up"),
    N_("sale"),
    N_("complaint"),
    N_("wrong_number"),
    N_("other"),
    # navigation for the floor: web.templating._nav
    N_("Queues"),
    N_("Do not call"),
    # pause reasons seeded by migration 0006 (callcenter.floor.models.PauseReason)
    N_("Lunch"),
    N_("Break"),
    N_("Training"),
    N_("Meeting"),
    N_("Technical"),
    # audited queue settings: callcenter.floor.admin._queue_snapshot
    N_("title"),
    N_("service_level_seconds"),
    N_("wrapup_seconds"),
    N_("allowed_users"),
    # navigation: web.templating._nav
    N_("Tasks"),
    N_("Feedback"),
    # task kinds and statuses: callcenter.tasks.models
    N_("call"),
    N_("shipment"),
    N_("open"),
    N_("done"),
    N_("cancelled"),
    # audited task fields and actions: callcenter.tasks.changes
    N_("title"),
    N_("due_at"),
    N_("assignee_id"),
    N_("queue"),
    N_("client_id"),
    N_("call_id"),
    N_("status"),
    N_("note"),
    N_("completed"),
    N_("claimed"),
    # feedback kinds, statuses and audited fields: callcenter.feedback
    N_("review"),
    N_("suggestion"),
    N_("new"),
    N_("in_progress"),
    N_("text"),
    N_("resolution"),
    N_("score"),
)
