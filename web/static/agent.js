// The operator's own agent panel: log into queues, pause with a reason, be ready again.
// The status shown comes from the PBX (agent frames over the live socket), not from clicks.
"use strict";
(() => {
  const panel = document.getElementById("agent-panel");
  if (!panel) return;
  const login = panel.dataset.login;
  const csrf = document.body.dataset.csrf || (document.querySelector("input[name=csrf_token]") || {}).value || "";
  const error = panel.querySelector(".agent-error");

  async function call(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}),
    });
    error.hidden = response.ok;
    if (!response.ok) error.textContent = (await response.json()).message;
  }

  panel.addEventListener("click", (event) => {
    const toggle = event.target.closest("button.queue-toggle");
    if (toggle) {
      const path = `/api/v1/agents/${encodeURIComponent(login)}/queues/${encodeURIComponent(toggle.dataset.queue)}`;
      call(toggle.dataset.in ? "DELETE" : "POST", path);
    } else if (event.target.id === "unpause") {
      call("POST", `/api/v1/agents/${encodeURIComponent(login)}/unpause`);
    }
  });
  panel.querySelector("#pause-form").addEventListener("submit", (event) => {
    event.preventDefault();
    call("POST", `/api/v1/agents/${encodeURIComponent(login)}/pause`, { reason: event.target.elements.reason.value });
  });

  document.addEventListener("live-frame", (event) => {
    const frame = event.detail;
    if (frame.type !== "agent" || frame.extension !== panel.dataset.extension) return;
    const badge = document.getElementById("my-state");
    badge.className = "state state-" + frame.status;
    badge.textContent = panel.getAttribute("data-label-" + frame.status) || frame.status;
    document.getElementById("my-reason").textContent = frame.reason || "";
    for (const toggle of panel.querySelectorAll("button.queue-toggle")) {
      const inside = (frame.queues || []).includes(toggle.dataset.queue);
      toggle.dataset.in = inside ? "1" : "";
      toggle.textContent = inside ? toggle.dataset.labelIn : toggle.dataset.labelOut;
    }
  });
})();
