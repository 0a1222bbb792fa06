"""Every URL of the app, in one table."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import live
from web.api import calls as api_calls
from web.api import clients as api_clients
from web.api import feedback as api_feedback
from web.api import tasks as api_tasks
from web.views import admin, auth, clients, feedback, health, task_supervision, tasks, workspace


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

    r.add_static("/static/", static_dir, name="static")
