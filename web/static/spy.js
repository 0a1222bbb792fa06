// The supervisor's listen, whisper and barge on the wallboard: the agent's live call is read
// at the click (the agents' API), then the supervisor's own phone is rung into it.
"use strict";
(() => {
  const agents = document.getElementById("agents");
  if (!agents) return;
  const csrf = document.body.dataset.csrf || (document.querySelector("input[name=csrf_token]") || {}).value || "";
  const error = document.querySelector(".agent-action-error");

  function say(text, failed) {
    if (!error) return;
    error.textContent = text;
    error.hidden = !text;
    error.classList.toggle("error", failed);
  }

  async function spy(span, mode) {
    const list = await fetch("/api/v1/agents", { credentials: "same-origin" }).then((r) => r.json());
    const agent = (list.agents || []).find((a) => a.interface === span.dataset.agentInterface);
    if (!agent || !agent.linkedid) return say(agents.dataset.labelNoCall || "", true);
    const response = await fetch(`/api/v1/calls/${encodeURIComponent(agent.linkedid)}/spy`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ mode, agent: span.dataset.extension }),
    });
    const answer = await response.json().catch(() => ({}));
    say(response.ok ? span.dataset.labelRinging : answer.message || String(response.status), !response.ok);
  }

  agents.addEventListener("click", (event) => {
    const button = event.target.closest("button.spy");
    if (!button) return;
    spy(button.closest(".spy-actions"), button.dataset.mode).catch((e) => say(String(e), true));
  });
})();
