"""Roles and what each may do, as DESIGN.md gives them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    CLIENTS_VIEW = "clients.view"
    CLIENTS_EDIT = "clients.edit"
    CLIENTS_MERGE = "clients.merge"
    CALLS_VIEW = "calls.view"
    LISTS_MANAGE = "lists.manage"  # acquisition channels, segments
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    CLIENTS_IMPORT = "clients.import"  # upload files of clients
    DATA_EXPORT = "data.export"  # download whole lists as XLSX or CSV


_OPERATOR = {Permission.CLIENTS_VIEW, Permission.CLIENTS_EDIT, Permission.CALLS_VIEW}
_MANAGER = _OPERATOR | {Permission.CLIENTS_MERGE, Permission.CLIENTS_IMPORT, Permission.DATA_EXPORT}
_SUPERVISOR = {
    Permission.CLIENTS_VIEW,
    Permission.CALLS_VIEW,
    Permission.AUDIT_VIEW,
    Permission.DATA_EXPORT,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}


def role_can(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
