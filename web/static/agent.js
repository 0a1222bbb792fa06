// The operator's own agent panel: log into queues, pause with a reason, be ready again.
// The status shown comes from the PBX (agent frames over the live socket), not from clicks,
// but a pause asked for during a call says at once that it starts after this call, as the
// PBX does it (the member is paused now, the call goes on).
"use strict";
(() => {
  const panel = document.getElementById("agent-panel");
  if (!panel) return;
  const login = panel.dataset.login;
  const csrf = document.body.dataset.csrf || (document.querySelector("input[name=csrf_token]") || {}).value || "";
  const error = panel.querySelector(".agent-error");
  const reasonBox = document.getElementById("my-reason");
  const TALKING = ["on_call", "ringing"];

  function pausePending(reason) {
    reasonBox.textContent = panel.dataset.labelPauseAfter + (reason ? ` · ${reason}` : "");
    reasonBox.dataset.pending = "1";
  }

  function showReason(state, reason, pausedQueues) {
    if (TALKING.includes(state) && pausedQueues.length) {
      // keep the reason chosen at the click: the PBX reports none while the call goes on
      pausePending(reason || (reasonBox.dataset.pending ? reasonBox.dataset.reason : ""));
      return;
    }
    delete reasonBox.dataset.pending;
    reasonBox.textContent = reason || "";
  }

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
      if (reasonBox.dataset.pending) showReason("", "", []);
      call("POST", `/api/v1/agents/${encodeURIComponent(login)}/unpause`);
    }
  });
  panel.querySelector("#pause-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const select = event.target.elements.reason;
    if (TALKING.includes(panel.dataset.state)) {
      reasonBox.dataset.reason = select.selectedOptions.length ? select.selectedOptions[0].textContent : "";
      pausePending(reasonBox.dataset.reason);
    }
    call("POST", `/api/v1/agents/${encodeURIComponent(login)}/pause`, { reason: select.value });
  });

  document.addEventListener("live-frame", (event) => {
    const frame = event.detail;
    if (frame.type !== "agent" || frame.extension !== panel.dataset.extension) return;
    const badge = document.getElementById("my-state");
    badge.className = "state state-" + frame.status;
    badge.textContent = panel.getAttribute("data-label-" + frame.status) || frame.status;
    panel.dataset.state = frame.status;
    showReason(frame.status, frame.reason, frame.paused_queues || []);
    for (const toggle of panel.querySelectorAll("button.queue-toggle")) {
      const inside = (frame.queues || []).includes(toggle.dataset.queue);
      toggle.dataset.in = inside ? "1" : "";
      toggle.textContent = inside ? toggle.dataset.labelIn : toggle.dataset.labelOut;
    }
  });
})();
