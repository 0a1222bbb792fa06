"""Every URL of the app, in one table."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import live
from web.api import calls as api_calls
from web.api import clients as api_clients
from web.api import exports as api_exports
from web.api import imports as api_imports
from web.views import admin, auth, clients, health, imports, workspace


def setup(app: web.Application, *, static_dir: Path) -> None:
    r = app.router
    r.add_get("/health", health.health)
    r.add_get("/", auth.home)
    r.add_get("/login", auth.login_page)
    r.add_post("/login", auth.login)
    r.add_post("/logout", auth.logout)
    r.add_get("/profile", auth.profile_page)
    r.add_post("/profile", auth.profile_save)

    r.add_get("/workspace", workspace.workspace)
    r.add_get("/ws/live", live.live_socket)
    r.add_post("/calls/{linkedid}/wrapup", workspace.wrapup)

    r.add_get("/clients", clients.client_list)
    r.add_get("/clients/new", clients.new_page)
    r.add_post("/clients/new", clients.create)
    r.add_get("/clients/{id:\\d+}", clients.card)
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
    r.add_post("/admin/lists/{kind:channel|segment}", admin.list_save)

    r.add_get("/api/v1/clients", api_clients.list_clients)
    r.add_post("/api/v1/clients", api_clients.create_client)
    r.add_get("/api/v1/clients/{id:\\d+}", api_clients.get_client)
    r.add_patch("/api/v1/clients/{id:\\d+}", api_clients.update_client)
    r.add_put("/api/v1/clients/{id:\\d+}", api_clients.update_client)

    r.add_get("/api/v1/calls", api_calls.calls)
    r.add_get("/api/v1/calls/live", api_calls.live_calls)
    r.add_get("/calls/{linkedid}/recording", api_calls.recording)

    r.add_get("/imports", imports.import_list)
    r.add_get("/imports/new", imports.new_page)
    r.add_post("/imports/new", imports.upload)
    r.add_get("/imports/{id:\\d+}", imports.show)
    r.add_post("/imports/{id:\\d+}", imports.configure)
    r.add_get("/imports/{id:\\d+}/bad-rows.xlsx", imports.bad_rows_report)
    r.add_get("/api/v1/imports", api_imports.index)
    r.add_post("/api/v1/imports", api_imports.create)
    r.add_get("/api/v1/imports/{id:\\d+}", api_imports.show)
    r.add_get("/api/v1/clients/export", api_exports.clients)
    r.add_get("/api/v1/calls/export", api_exports.calls)

    r.add_static("/static/", static_dir, name="static")
