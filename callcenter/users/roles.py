"""Roles and what each may do, as DESIGN.md gives them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    PARTNER = "partner"  # a sales partner signed in to their own downline and statements


class Permission(StrEnum):
    CLIENTS_VIEW = "clients.view"
    CLIENTS_EDIT = "clients.edit"
    CLIENTS_MERGE = "clients.merge"
    CALLS_VIEW = "calls.view"
    LISTS_MANAGE = "lists.manage"  # acquisition channels, segments
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    CALLS_DIAL = "calls.dial"  # click-to-call from the user's own extension
    QUEUES_WORK = "queues.work"  # log oneself into queues, pause, unpause
    FLOOR_VIEW = "floor.view"  # the wallboard: queues and agents live
    FLOOR_CONTROL = "floor.control"  # pause, unpause or log out any agent
    QUEUES_MANAGE = "queues.manage"  # queue settings and pause reasons
    DNC_MANAGE = "dnc.manage"  # the do-not-call list
    DNC_VIEW = "dnc.view"  # read the do-not-call list (supervisors see it; operators do not)
    ORDERS_VIEW = "orders.view"
    ORDERS_EDIT = "orders.edit"  # create, edit and move orders (of visible clients)
    PIPELINE_MANAGE = "pipeline.manage"  # order statuses and their e-mails
    PRODUCTS_MANAGE = "products.manage"
    MAIL_MANAGE = "mail.manage"  # the outbox: failed messages, resend
    INVOICES_VIEW = "invoices.view"
    INVOICES_EDIT = "invoices.edit"  # issue, record payments, cancel
    COMPANY_MANAGE = "company.manage"  # the seller's own requisites
    TASKS_VIEW = "tasks.view"
    TASKS_EDIT = "tasks.edit"
    TASKS_SUPERVISE = "tasks.supervise"  # on-time and overdue counts per person
    FEEDBACK_VIEW = "feedback.view"
    FEEDBACK_EDIT = "feedback.edit"
    CLIENTS_IMPORT = "clients.import"  # upload files of clients
    DATA_EXPORT = "data.export"  # download whole lists as XLSX or CSV
    ORDERS_IMPORT = "orders.import"  # upload files of orders (their lines)
    CAMPAIGNS_VIEW = "campaigns.view"  # outbound campaigns: their progress and results
    CAMPAIGNS_MANAGE = "campaigns.manage"  # create, edit, start, pause and stop campaigns
    CAMPAIGNS_WORK = "campaigns.work"  # take a campaign's contacts and calls, set dispositions
    REPORTS_VIEW = "reports.view"  # reports (a manager kept to own clients: own figures)
    BONUSES_APPROVE = "bonuses.approve"  # enter a bonus pool and approve its split
    BONUS_WEIGHTS = "bonuses.weights"  # what each measure weighs in the bonus split
    MAILINGS_VIEW = "mailings.view"  # mass mailings: their audience, progress and figures
    MAILINGS_MANAGE = "mailings.manage"  # write, schedule, pause, resume and cancel mailings
    PARTNERS_VIEW = "partners.view"  # every partner, their downline, sales and statements
    PARTNERS_MANAGE = "partners.manage"  # add partners, move them, attribute clients
    COMMISSION_PLANS = "partners.plans"  # commission plans and product groups
    PARTNER_PAYOUTS = "partners.payouts"  # record payouts against statements
    WEBHOOKS_MANAGE = "webhooks.manage"  # endpoints, their secrets and deliveries (admin only)
    PARTNER_SELF = "partners.self"  # a partner's own downline, clients' orders and statements


_OPERATOR = {
    Permission.CLIENTS_VIEW,
    Permission.CLIENTS_EDIT,
    Permission.CALLS_VIEW,
    Permission.CALLS_DIAL,
    Permission.QUEUES_WORK,
    Permission.ORDERS_VIEW,
    Permission.TASKS_VIEW,
    Permission.TASKS_EDIT,
    Permission.FEEDBACK_VIEW,
    Permission.FEEDBACK_EDIT,
    Permission.CAMPAIGNS_WORK,
}
_MANAGER = _OPERATOR | {
    Permission.CLIENTS_MERGE,
    Permission.FLOOR_VIEW,
    Permission.DNC_MANAGE,
    Permission.DNC_VIEW,
    Permission.ORDERS_EDIT,
    Permission.INVOICES_VIEW,
    Permission.INVOICES_EDIT,
    Permission.CLIENTS_IMPORT,
    Permission.DATA_EXPORT,
    Permission.ORDERS_IMPORT,
    Permission.CAMPAIGNS_VIEW,
    Permission.CAMPAIGNS_MANAGE,
    Permission.REPORTS_VIEW,
    Permission.MAILINGS_VIEW,
    Permission.MAILINGS_MANAGE,
    Permission.PARTNERS_VIEW,
    Permission.PARTNERS_MANAGE,
}
_SUPERVISOR = {
    Permission.CLIENTS_VIEW,
    Permission.CALLS_VIEW,
    Permission.AUDIT_VIEW,
    Permission.CALLS_DIAL,
    Permission.QUEUES_WORK,
    Permission.FLOOR_VIEW,
    Permission.FLOOR_CONTROL,
    Permission.DNC_VIEW,
    Permission.ORDERS_VIEW,
    Permission.INVOICES_VIEW,
    Permission.TASKS_VIEW,
    Permission.TASKS_SUPERVISE,
    Permission.FEEDBACK_VIEW,
    Permission.DATA_EXPORT,
    Permission.CAMPAIGNS_VIEW,
    Permission.REPORTS_VIEW,
    Permission.BONUSES_APPROVE,
    Permission.MAILINGS_VIEW,
    Permission.PARTNERS_VIEW,
}
# a partner sees only what is theirs: no permission of the staff's
_PARTNER = {Permission.PARTNER_SELF}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(set(Permission) - {Permission.PARTNER_SELF}),
    Role.PARTNER: frozenset(_PARTNER),
}


def role_can(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
