// Call control on the workspace's pops: hang up, park, transfer (blind or attended) with a
// note for the next agent. Each click queues one AMI action; the call's own events then
// change the pop (ended, or gone to the next agent).
"use strict";
(() => {
  const pops = document.getElementById("pops");
  if (!pops) return;
  const csrf = document.body.dataset.csrf || (document.querySelector("input[name=csrf_token]") || {}).value || "";

  async function send(section, action, body) {
    const status = section.querySelector(".call-control-status");
    const path = `/api/v1/calls/${encodeURIComponent(section.dataset.linkedid)}/${action}`;
    section.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch(path, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body || {}),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) section.dataset.commandId = String(answer.command_id);
      status.textContent = response.ok ? pops.dataset.labelSent
        : [answer.message, ...Object.values(answer.fields || {})].filter(Boolean).join(" ");
      status.hidden = false;
      status.classList.toggle("error", !response.ok);
    } finally {
      section.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    }
  }

  // the PBX's answer to the command, over the live socket: a refusal is shown as it came
  document.addEventListener("live-frame", (event) => {
    const frame = event.detail;
    if (frame.type !== "command" || frame.state !== "failed") return;
    const section = pops.querySelector(`.call-controls[data-command-id="${CSS.escape(String(frame.id))}"]`);
    if (!section) return;
    const status = section.querySelector(".call-control-status");
    status.textContent = `${pops.dataset.labelRefused}: ${frame.message || ""}`;
    status.classList.add("error");
    status.hidden = false;
  });

  pops.addEventListener("click", (event) => {
    const section = event.target.closest(".call-controls");
    if (!section) return;
    if (event.target.closest(".call-hangup")) send(section, "hangup");
    else if (event.target.closest(".call-park")) send(section, "park");
  });
  pops.addEventListener("submit", (event) => {
    const form = event.target.closest("form.transfer-form");
    if (!form) return;
    event.preventDefault();
    const section = form.closest(".call-controls");
    const mode = event.submitter && event.submitter.value === "attended" ? "attended" : "blind";
    const data = new FormData(form);
    send(section, "transfer", { mode, to: data.get("to"), target: data.get("target"), note: data.get("note") });
  });
})();
