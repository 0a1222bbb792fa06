"""Every URL of the app, in one table."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import live
from web.api import call_control as api_call_control
from web.api import calls as api_calls
from web.api import campaigns as api_campaigns
from web.api import clients as api_clients
from web.api import consents as api_consents
from web.api import dialer as api_dialer
from web.api import dnc as api_dnc
from web.api import exports as api_exports
from web.api import feedback as api_feedback
from web.api import floor as api_floor
from web.api import imports as api_imports
from web.api import invoice_mail as api_invoice_mail
from web.api import invoices as api_invoices
from web.api import leads as api_leads
from web.api import mailings as api_mailings
from web.api import orders as api_orders
from web.api import partners as api_partners
from web.api import reports as api_reports
from web.api import tasks as api_tasks
from web.api import webhooks as api_webhooks
from web.apidoc import views as apidoc
from web.views import (
    admin,
    api_tokens,
    auth,
    bonuses,
    calls,
    campaign_contacts,
    campaigns,
    catalog,
    client_activity,
    clients,
    company,
    consents,
    dnc,
    feedback,
    floor,
    floor_admin,
    health,
    imports,
    invoice_issue,
    invoice_mail,
    invoices,
    mailing_audience,
    mailing_follow_ups,
    mailing_tracking,
    mailings,
    marketing,
    order_board,
    order_form,
    orders,
    outbox,
    partners,
    referral,
    reports,
    sms,
    task_supervision,
    tasks,
    webhooks,
    workspace,
)


def setup(app: web.Application, *, static_dir: Path) -> None:
    r = app.router
    r.add_get("/health", health.health)
    r.add_get("/favicon.ico", health.favicon)
    r.add_get("/", auth.home)
    r.add_get("/login", auth.login_page)
    r.add_post("/login", auth.login)
    r.add_post("/logout", auth.logout)
    r.add_post("/logout/everywhere", auth.logout_everywhere)
    r.add_get("/profile", auth.profile_page)
    r.add_post("/profile", auth.profile_save)
    r.add_post("/profile/tokens", api_tokens.token_create)
    r.add_post("/profile/tokens/{id:\\d+}/revoke", api_tokens.token_revoke)
    r.add_get("/api/v1/openapi.json", apidoc.openapi_json)
    r.add_get("/docs/api", apidoc.reference_page)

    r.add_get("/workspace", workspace.workspace)
    r.add_get("/ws/live", live.live_socket)
    r.add_post("/calls/{linkedid}/wrapup", workspace.wrapup)
    r.add_get("/calls", calls.call_list)
    r.add_get("/calls/{linkedid}", calls.call_page)

    r.add_get("/clients", clients.client_list)
    r.add_get("/clients/new", clients.new_page)
    r.add_post("/clients/new", clients.create)
    r.add_get("/clients/{id:\\d+}", clients.card)
    r.add_get("/clients/{id:\\d+}/activity", client_activity.more)
    r.add_get("/clients/{id:\\d+}/edit", clients.edit_page)
    r.add_post("/clients/{id:\\d+}/edit", clients.update)
    r.add_get("/clients/{id:\\d+}/merge", clients.merge_page)
    r.add_post("/clients/{id:\\d+}/merge", clients.merge)

    r.add_get("/admin/users", admin.user_list)
    r.add_get("/admin/users/new", admin.user_new_page)
    r.add_post("/admin/users/new", admin.user_create)
    r.add_get("/admin/users/{id:\\d+}", admin.user_edit_page)
    r.add_post("/admin/users/{id:\\d+}", admin.user_update)
    r.add_post("/admin/users/{id:\\d+}/token", admin.user_token)
    r.add_get("/admin/lists", admin.lists_page)
    r.add_get("/admin/marketing", marketing.marketing_page)
    r.add_post("/admin/marketing/keys", marketing.key_create)
    r.add_post("/admin/marketing/keys/{id:\\d+}/revoke", marketing.key_revoke)
    r.add_post("/admin/marketing/{kind:utm|number}", marketing.map_save)
    r.add_post("/admin/marketing/{kind:utm|number}/{id:\\d+}/delete", marketing.map_delete)
    r.add_post("/admin/marketing/spend", marketing.spend_save)
    r.add_post("/admin/marketing/spend/import", marketing.spend_import)
    r.add_post("/admin/lists/{kind:channel|segment}", admin.list_save)

    r.add_get("/orders", orders.order_list)
    r.add_get("/orders/board", order_board.board)
    r.add_get("/orders/board/more", order_board.more)
    r.add_post("/api/v1/orders/board/move", order_board.move)
    r.add_get("/orders/analytics", orders.analytics)
    r.add_get("/orders/new", order_form.new_page)
    r.add_post("/orders/new", order_form.create)
    r.add_get("/orders/{id:\\d+}", orders.card)
    r.add_get("/orders/{id:\\d+}/edit", order_form.edit_page)
    r.add_post("/orders/{id:\\d+}/edit", order_form.update)
    r.add_post("/orders/{id:\\d+}/status", orders.move)
    r.add_get("/admin/pipeline", catalog.pipeline_page)
    r.add_get("/admin/pipeline/new", catalog.status_page)
    r.add_post("/admin/pipeline/new", catalog.status_save)
    r.add_get("/admin/pipeline/{id:\\d+}", catalog.status_page)
    r.add_post("/admin/pipeline/{id:\\d+}", catalog.status_save)
    r.add_post("/admin/pipeline/{id:\\d+}/delete", catalog.status_delete)
    r.add_get("/admin/products", catalog.products_page)
    r.add_get("/admin/products/new", catalog.product_page)
    r.add_post("/admin/products/new", catalog.product_save)
    r.add_get("/admin/products/{id:\\d+}", catalog.product_page)
    r.add_post("/admin/products/{id:\\d+}", catalog.product_save)
    r.add_get("/admin/outbox", outbox.outbox_page)
    r.add_post("/admin/outbox/{id:\\d+}/resend", outbox.resend)
    r.add_get("/admin/webhooks", webhooks.endpoint_list)
    r.add_get("/admin/webhooks/new", webhooks.form_page)
    r.add_post("/admin/webhooks/new", webhooks.save)
    r.add_get("/admin/webhooks/{id:\\d+}", webhooks.show)
    r.add_get("/admin/webhooks/{id:\\d+}/edit", webhooks.form_page)
    r.add_post("/admin/webhooks/{id:\\d+}/edit", webhooks.save)
    r.add_post("/admin/webhooks/{id:\\d+}/{action:pause|resume|rotate}", webhooks.move)
    r.add_post("/admin/webhooks/deliveries/{id:\\d+}/resend", webhooks.resend)
    r.add_get("/api/v1/webhooks", api_webhooks.list_all)
    r.add_post("/api/v1/webhooks", api_webhooks.create)
    r.add_get("/api/v1/webhooks/{id:\\d+}", api_webhooks.get_one)
    r.add_patch("/api/v1/webhooks/{id:\\d+}", api_webhooks.update)
    r.add_post("/api/v1/webhooks/{id:\\d+}/rotate", api_webhooks.rotate)
    r.add_get("/api/v1/webhooks/{id:\\d+}/deliveries", api_webhooks.deliveries)
    r.add_post("/api/v1/webhook-deliveries/{id:\\d+}/resend", api_webhooks.resend)

    r.add_get("/mailings", mailings.mailing_list)
    r.add_get("/mailings/new", mailings.new_page)
    r.add_post("/mailings/new", mailings.create)
    r.add_get("/mailings/{id:\\d+}", mailings.show)
    r.add_get("/mailings/{id:\\d+}/edit", mailings.edit_page)
    r.add_get("/mailings/{id:\\d+}/figures", mailings.figures_fragment)
    r.add_post("/mailings/{id:\\d+}/follow-up", mailing_follow_ups.follow_up)
    r.add_post("/mailings/{id:\\d+}/audience-file", mailing_audience.audience_file)
    r.add_post("/mailings/{id:\\d+}/edit", mailings.update)
    r.add_post("/mailings/{id:\\d+}/test", mailings.send_test)
    r.add_post("/mailings/{id:\\d+}/schedule", mailings.schedule)
    r.add_post("/mailings/{id:\\d+}/{action:pause|resume|cancel}", mailings.move)
    r.add_get("/u/{token}", mailings.unsubscribe_page)  # signed links in letters: no login
    r.add_post("/u/{token}", mailings.unsubscribe_now)
    r.add_post("/sms/twilio/status", sms.twilio_status)  # signed by Twilio: no login
    # a hit is a GET: a HEAD (a link checker's) records nothing
    r.add_get("/m/o/{token}", mailing_tracking.opened, allow_head=False)  # the pixel
    r.add_get("/m/c/{token}", mailing_tracking.clicked, allow_head=False)  # a tracked link
    r.add_get("/api/v1/mailings", api_mailings.list_all)
    r.add_post("/api/v1/mailings", api_mailings.create)
    r.add_get("/api/v1/mailings/{id:\\d+}", api_mailings.get_one)
    r.add_post("/api/v1/mailings/{id:\\d+}/schedule", api_mailings.schedule)
    r.add_post("/api/v1/mailings/{id:\\d+}/{action:pause|resume|cancel}", api_mailings.move)
    r.add_get("/api/v1/mailings/{id:\\d+}/figures", api_mailings.figures)
    r.add_get("/api/v1/mailings/{id:\\d+}/recipients", api_mailings.recipients)

    r.add_post("/api/v1/leads", api_leads.submit)  # a website form's key: no login
    r.add_route("OPTIONS", "/api/v1/leads", api_leads.preflight)  # CORS, allowed origins only
    r.add_get("/api/v1/clients", api_clients.list_clients)
    r.add_post("/api/v1/clients", api_clients.create_client)
    r.add_get("/api/v1/clients/{id:\\d+}", api_clients.get_client)
    r.add_patch("/api/v1/clients/{id:\\d+}", api_clients.update_client)
    r.add_put("/api/v1/clients/{id:\\d+}", api_clients.update_client)

    r.add_get("/api/v1/orders", api_orders.list_orders)
    r.add_post("/api/v1/orders", api_orders.create)
    r.add_get("/api/v1/orders/{id:\\d+}", api_orders.get_one)
    r.add_patch("/api/v1/orders/{id:\\d+}", api_orders.update)
    r.add_put("/api/v1/orders/{id:\\d+}", api_orders.update)
    r.add_post("/api/v1/orders/{id:\\d+}/status", api_orders.move)

    r.add_get("/api/v1/calls", api_calls.calls)
    r.add_get("/api/v1/calls/live", api_calls.live_calls)
    r.add_get("/calls/{linkedid}/recording", api_calls.recording)
    r.add_post("/api/v1/calls", api_floor.dial)
    r.add_get("/api/v1/calls/dial/{id:\\d+}", api_floor.dial_progress)
    r.add_post("/api/v1/calls/{linkedid}/hangup", api_call_control.hang_up)
    r.add_post("/api/v1/calls/{linkedid}/transfer", api_call_control.transfer)
    r.add_post("/api/v1/calls/{linkedid}/park", api_call_control.park)
    r.add_post("/api/v1/calls/{linkedid}/spy", api_call_control.spy)
    r.add_get("/api/v1/queues", api_floor.queues)
    r.add_get("/api/v1/agents", api_floor.agents)
    r.add_post("/api/v1/agents/{login}/pause", api_floor.pause)
    r.add_post("/api/v1/agents/{login}/unpause", api_floor.unpause)
    r.add_post("/api/v1/agents/{login}/queues/{queue}", api_floor.queue_login)
    r.add_delete("/api/v1/agents/{login}/queues/{queue}", api_floor.queue_logout)

    r.add_get("/wallboard", floor.wallboard)
    r.add_get("/wallboard/abandoned", floor.wallboard_abandoned)

    r.add_get("/admin/queues", floor_admin.queue_list)
    r.add_get("/admin/queues/{id:\\d+}", floor_admin.queue_edit_page)
    r.add_post("/admin/queues/{id:\\d+}", floor_admin.queue_save)
    r.add_get("/admin/pause-reasons", floor_admin.reason_list)
    r.add_post("/admin/pause-reasons", floor_admin.reason_add)
    r.add_post("/admin/pause-reasons/{id:\\d+}", floor_admin.reason_save)
    r.add_post("/admin/pause-reasons/{id:\\d+}/move", floor_admin.reason_move)
    r.add_get("/dnc", dnc.dnc_list)
    r.add_post("/dnc", dnc.dnc_add)
    r.add_get("/dnc/{id:\\d+}/remove", dnc.dnc_remove_page)
    r.add_post("/dnc/{id:\\d+}/remove", dnc.dnc_remove)
    r.add_get("/api/v1/clients/{id:\\d+}/consents", api_consents.list_consents)
    r.add_post("/api/v1/clients/{id:\\d+}/consents", api_consents.create_consent)
    r.add_post("/api/v1/consents/{id:\\d+}/withdraw", api_consents.withdraw)
    r.add_get("/api/v1/dnc", api_dnc.list_dnc)
    r.add_post("/api/v1/dnc", api_dnc.add_dnc)
    r.add_get("/api/v1/dnc/{id:\\d+}", api_dnc.get_dnc_entry)
    r.add_delete("/api/v1/dnc/{id:\\d+}", api_dnc.delete_dnc)

    r.add_get("/admin/company", company.company_page)
    r.add_post("/admin/company", company.company_save)
    r.add_get("/invoices", invoices.invoice_list)
    r.add_get("/invoices/{id:\\d+}", invoices.invoice_page)
    r.add_get("/invoices/{id:\\d+}.pdf", invoices.invoice_pdf_download)
    r.add_post("/invoices/{id:\\d+}/payments", invoices.payment_add)
    r.add_post("/invoices/{id:\\d+}/payments/{payment:\\d+}/remove", invoices.payment_remove)
    r.add_post("/invoices/{id:\\d+}/cancel", invoices.cancel)
    r.add_get("/invoices/{id:\\d+}/email", invoice_mail.email_page)
    r.add_post("/invoices/{id:\\d+}/email", invoice_mail.email_send)
    r.add_get("/clients/{id:\\d+}/invoices/new", invoice_issue.new_page)
    r.add_post("/clients/{id:\\d+}/invoices/new", invoice_issue.issue)
    r.add_post("/clients/{id:\\d+}/invoices/preview", invoice_issue.preview)
    r.add_get("/api/v1/invoices", api_invoices.list_invoices_api)
    r.add_post("/api/v1/invoices", api_invoices.create_invoice_api)
    r.add_get("/api/v1/invoices/{id:\\d+}", api_invoices.get_invoice_api)
    r.add_get("/api/v1/invoices/{id:\\d+}.pdf", api_invoices.invoice_pdf_api)
    r.add_post("/api/v1/invoices/{id:\\d+}/payments", api_invoices.add_payment_api)
    r.add_post("/api/v1/invoices/{id:\\d+}/cancel", api_invoices.cancel_invoice_api)
    r.add_get("/api/v1/invoices/{id:\\d+}/emails", api_invoice_mail.list_emails)
    r.add_post("/api/v1/invoices/{id:\\d+}/email", api_invoice_mail.send_email)

    r.add_get("/tasks", tasks.task_list)
    r.add_get("/tasks/new", tasks.new_page)
    r.add_post("/tasks/new", tasks.create)
    r.add_get("/tasks/supervision", task_supervision.supervision)
    r.add_get("/tasks/{id:\\d+}", tasks.detail)
    r.add_get("/tasks/{id:\\d+}/edit", tasks.edit_page)
    r.add_post("/tasks/{id:\\d+}/edit", tasks.update)
    r.add_post("/tasks/{id:\\d+}/complete", tasks.complete)
    r.add_post("/tasks/{id:\\d+}/cancel", tasks.cancel)
    r.add_post("/tasks/{id:\\d+}/claim", tasks.claim)

    r.add_get("/api/v1/tasks", api_tasks.list_all)
    r.add_post("/api/v1/tasks", api_tasks.create)
    r.add_get("/api/v1/tasks/supervision", task_supervision.supervision_json)
    r.add_get("/api/v1/tasks/{id:\\d+}", api_tasks.get_one)
    r.add_patch("/api/v1/tasks/{id:\\d+}", api_tasks.update)
    r.add_put("/api/v1/tasks/{id:\\d+}", api_tasks.update)
    r.add_post("/api/v1/tasks/{id:\\d+}/complete", api_tasks.complete)
    r.add_post("/api/v1/tasks/{id:\\d+}/cancel", api_tasks.cancel)
    r.add_post("/api/v1/tasks/{id:\\d+}/claim", api_tasks.claim)

    r.add_get("/feedback", feedback.feedback_list)
    r.add_get("/feedback/new", feedback.new_page)
    r.add_post("/feedback/new", feedback.create)
    r.add_get("/feedback/{id:\\d+}", feedback.detail)
    r.add_post("/feedback/{id:\\d+}", feedback.update)

    r.add_get("/api/v1/feedback", api_feedback.list_all)
    r.add_post("/api/v1/feedback", api_feedback.create)
    r.add_get("/api/v1/feedback/{id:\\d+}", api_feedback.get_one)
    r.add_patch("/api/v1/feedback/{id:\\d+}", api_feedback.update)
    r.add_put("/api/v1/feedback/{id:\\d+}", api_feedback.update)

    r.add_get("/imports", imports.import_list)
    r.add_get("/imports/new", imports.new_page)
    r.add_post("/imports/new", imports.upload)
    r.add_get("/imports/{id:\\d+}", imports.show)
    r.add_post("/imports/{id:\\d+}", imports.configure)
    r.add_get("/imports/{id:\\d+}/bad-rows.xlsx", imports.bad_rows_report)
    r.add_get("/api/v1/imports", api_imports.index)
    r.add_post("/api/v1/imports", api_imports.create)
    r.add_get("/api/v1/imports/{id:\\d+}", api_imports.show)
    r.add_get("/orders/import", imports.orders_page)
    r.add_post("/orders/import", imports.orders_upload)
    r.add_post("/api/v1/orders/import", api_imports.create_orders)
    r.add_get("/api/v1/orders/export", api_exports.orders)
    r.add_get("/api/v1/tasks/export", api_exports.tasks)
    r.add_get("/api/v1/clients/export", api_exports.clients)
    r.add_get("/api/v1/calls/export", api_exports.calls)

    r.add_get("/campaigns", campaigns.campaign_list)
    r.add_get("/campaigns/new", campaigns.new_page)
    r.add_post("/campaigns/new", campaigns.create)
    r.add_get("/campaigns/{id:\\d+}", campaigns.show)
    r.add_get("/campaigns/{id:\\d+}/figures", campaigns.figures_fragment)
    r.add_get("/campaigns/{id:\\d+}/edit", campaigns.edit_page)
    r.add_post("/campaigns/{id:\\d+}/edit", campaigns.update)
    r.add_post("/campaigns/{id:\\d+}/{action:start|pause|resume|stop}", campaigns.move)
    r.add_post("/campaigns/{id:\\d+}/contacts", campaign_contacts.add)
    r.add_post("/campaigns/{id:\\d+}/dnc", campaign_contacts.dnc_add)
    r.add_post("/campaigns/{id:\\d+}/dnc/{entry:\\d+}/remove", campaign_contacts.dnc_remove)
    r.add_get("/campaigns/{id:\\d+}/export", campaign_contacts.export)
    r.add_get("/clients/{id:\\d+}/consents/new", consents.new_page)
    r.add_post("/clients/{id:\\d+}/consents", consents.create)
    r.add_post("/consents/{id:\\d+}/withdraw", consents.withdraw)
    r.add_get("/api/v1/campaigns", api_campaigns.list_all)
    r.add_post("/api/v1/campaigns", api_campaigns.create)
    r.add_get("/api/v1/campaigns/{id:\\d+}", api_campaigns.get_one)
    r.add_put("/api/v1/campaigns/{id:\\d+}", api_campaigns.update)
    r.add_patch("/api/v1/campaigns/{id:\\d+}", api_campaigns.update)
    r.add_post("/api/v1/campaigns/{id:\\d+}/{action:start|pause|resume|stop}", api_campaigns.move)
    r.add_post("/api/v1/campaigns/{id:\\d+}/contacts", api_campaigns.add)
    r.add_get("/api/v1/campaigns/{id:\\d+}/attempts", api_campaigns.attempts)
    r.add_get("/api/v1/dialer/campaigns", api_dialer.my_campaigns)
    r.add_post("/api/v1/dialer/campaigns/{id:\\d+}/next", api_dialer.next_contact)
    r.add_post("/api/v1/dialer/contacts/{id:\\d+}/dial", api_dialer.dial)
    r.add_post("/api/v1/dialer/contacts/{id:\\d+}/skip", api_dialer.skip)
    r.add_get("/api/v1/dialer/attempts/{id:\\d+}", api_dialer.attempt_progress)
    r.add_post("/api/v1/dialer/attempts/{id:\\d+}/disposition", api_dialer.disposition)
    r.add_get("/reports", reports.report_index)
    r.add_get("/reports/{name:[a-z_]+}", reports.report_page)
    r.add_get("/api/v1/reports", api_reports.report_list)
    r.add_get("/api/v1/reports/{name:[a-z_]+}", api_reports.report_json)
    r.add_get("/api/v1/reports/{name:[a-z_]+}/export", api_reports.report_export)
    r.add_post("/reports/bonuses/pool", bonuses.pool_save)
    r.add_post("/reports/bonuses/pools/{id:\\d+}/approve", bonuses.pool_approve)
    r.add_get("/admin/bonus-weights", bonuses.weights_page)
    r.add_post("/admin/bonus-weights", bonuses.weights_save)
    r.add_post("/api/v1/bonuses/pools", bonuses.api_pool_save)
    r.add_post("/api/v1/bonuses/pools/{id:\\d+}/approve", bonuses.api_pool_approve)
    r.add_get("/api/v1/bonuses/weights", bonuses.api_weights)
    r.add_put("/api/v1/bonuses/weights", bonuses.api_weights_save)

    r.add_get("/r/{code}", referral.referral_page)  # a partner's referral link: no login
    r.add_post("/r/{code}", referral.referral_submit)
    r.add_get("/my/partner", partners.my_partnership)
    r.add_get("/partners", partners.partner_list)
    r.add_get("/partners/new", partners.new_page)
    r.add_post("/partners/new", partners.create)
    r.add_get("/partners/{id:\\d+}", partners.card)
    r.add_get("/partners/{id:\\d+}/edit", partners.edit_page)
    r.add_post("/partners/{id:\\d+}/edit", partners.update)
    r.add_get("/partners/{id:\\d+}/statements", partners.statement_page)
    r.add_get("/partners/{id:\\d+}/statements.xlsx", partners.statement_xlsx)
    r.add_get("/partners/{id:\\d+}/statements.pdf", partners.statement_pdf_download)
    r.add_post("/partners/{id:\\d+}/payouts", partners.payout)
    r.add_post("/clients/{id:\\d+}/partner", partners.attribute)
    r.add_get("/admin/commission-plans", partners.plans_page)
    r.add_post("/admin/commission-plans", partners.plan_save)
    r.add_post("/admin/commission-groups", partners.group_save)
    r.add_get("/api/v1/partners", api_partners.list_all)
    r.add_post("/api/v1/partners", api_partners.create)
    r.add_get("/api/v1/partners/{id:\\d+}", api_partners.get_one)
    r.add_put("/api/v1/partners/{id:\\d+}", api_partners.update)
    r.add_get("/api/v1/partners/{id:\\d+}/downline", api_partners.partner_downline)
    r.add_get("/api/v1/partners/{id:\\d+}/statements", api_partners.partner_statements)
    r.add_post("/api/v1/partners/{id:\\d+}/payouts", api_partners.payout)
    r.add_get("/api/v1/commission-plans", api_partners.plans)
    r.add_post("/api/v1/commission-plans", api_partners.plan_create)

    r.add_static("/static/", static_dir, name="static")
