// The supervisor's wallboard: queue figures and agents, kept live over the socket.
// On every (re)connect the whole board is read again from the API, so nothing is missed.
"use strict";
(() => {
  const state = document.getElementById("link-state");
  const queues = document.getElementById("queues");
  const agents = document.getElementById("agents");
  if (!state || !queues || !agents) return;
  const lang = document.documentElement.lang || "en";
  const fmt = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const csrf = document.querySelector("input[name=csrf_token]");
  const SHOWN_CALLERS = 5;
  let delay = 500;
  let abandonedSeen = null;

  function setState(name) {
    state.dataset.state = name;
    state.textContent = state.dataset["label" + name[0].toUpperCase() + name.slice(1)] || name;
  }

  function cell(row, field) { return row.querySelector(`[data-field="${field}"]`); }

  function number(value, suffix) {
    return value === null || value === undefined ? "—" : fmt.format(value) + (suffix || "");
  }

  function applyQueue(q) {
    const row = queues.querySelector(`tr[data-queue="${CSS.escape(q.queue)}"]`);
    if (!row) { location.reload(); return; }
    for (const field of ["waiting", "offered_today", "answered_today", "abandoned_today",
                         "exited_today", "lost_today", "asa_seconds", "aht_seconds"]) {
      cell(row, field).textContent = number(q[field]);
    }
    for (const field of ["service_level_today", "service_level2_today"]) {
      cell(row, field).textContent = number(q[field], "%");
    }
    const longest = cell(row, "longest_wait_seconds");
    const oldest = (q.callers || []).reduce((m, c) => Math.max(m, c.wait), 0);
    longest.dataset.base = String(Date.now() - 1000 * (q.waiting ? Math.max(oldest, q.longest_wait_seconds || 0) : 0));
    longest.dataset.waiting = String(q.waiting);
    longest.textContent = number(q.longest_wait_seconds);
    const callers = cell(row, "callers");
    const shown = (q.callers || []).slice(0, SHOWN_CALLERS).map((c) => {
      const span = document.createElement("span");
      span.className = "caller";
      span.textContent = `${c.display || c.caller} · ${fmt.format(c.wait)} ${queues.dataset.secondsLabel || "s"}`;
      return span;
    });
    if (q.waiting > SHOWN_CALLERS) {  // the longest waits first; the rest as a count
      const more = document.createElement("span");
      more.className = "callers-more muted";
      more.textContent = (queues.dataset.moreLabel || "+{count}").replace("{count}", fmt.format(q.waiting - SHOWN_CALLERS));
      shown.push(more);
    }
    callers.replaceChildren(...shown);
    if (abandonedSeen !== null && q.abandoned_today !== abandonedSeen[q.queue]) refreshAbandoned();
    abandonedSeen = abandonedSeen || {};
    abandonedSeen[q.queue] = q.abandoned_today;
  }

  function applyAgent(a) {
    const row = agents.querySelector(`tr[data-interface="${CSS.escape(a.interface)}"]`);
    if (!row) { location.reload(); return; }
    const status = a.state || a.status;
    row.dataset.state = status;
    const badge = document.createElement("span");
    badge.className = "state state-" + status;
    badge.textContent = agents.getAttribute("data-label-" + status) || status;
    cell(row, "state").replaceChildren(badge);
    cell(row, "reason").textContent = a.reason || "";
    cell(row, "since").dataset.since = a.since;
    cell(row, "queues").textContent = (a.queues || []).join(", ");
    const paused = status === "paused";
    const pause = row.querySelector('.agent-action[data-action="pause"]');
    const unpause = row.querySelector('.agent-action[data-action="unpause"]');
    if (pause) pause.hidden = paused;
    if (unpause) unpause.hidden = !paused;
  }

  function tick() {
    for (const since of agents.querySelectorAll("[data-since]")) {
      const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since.dataset.since)) / 1000));
      since.textContent = fmt.format(seconds);
    }
    for (const longest of queues.querySelectorAll('[data-field="longest_wait_seconds"][data-base]')) {
      if (longest.dataset.waiting === "0") continue;
      longest.textContent = fmt.format(Math.round((Date.now() - Number(longest.dataset.base)) / 1000));
    }
  }

  async function refreshAbandoned() {
    const box = document.getElementById("abandoned");
    const response = await fetch("/wallboard/abandoned", { credentials: "same-origin" });
    if (response.ok && box) box.innerHTML = await response.text();  // server-rendered, escaped
  }

  async function refreshAll() {
    const [q, a] = await Promise.all([
      fetch("/api/v1/queues", { credentials: "same-origin" }).then((r) => r.json()),
      fetch("/api/v1/agents", { credentials: "same-origin" }).then((r) => r.json()),
    ]);
    abandonedSeen = null;
    q.queues.forEach(applyQueue);
    a.agents.forEach(applyAgent);
    refreshAbandoned();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/live`);
    ws.onopen = () => { delay = 500; };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "hello" || frame.type === "link") {
        // live only while the server hears the floor; figures missed meanwhile are fetched
        setState(frame.listening === false ? "connecting" : "online");
        if (frame.listening !== false) refreshAll().catch(() => {});
      } else if (frame.type === "queue") applyQueue(frame);
      else if (frame.type === "agent") applyAgent(frame);
    };
    ws.onclose = () => {
      setState("offline");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  async function act(login, action, body) {
    const error = document.querySelector(".agent-action-error");
    const path = action === "logout"
      ? `/api/v1/agents/${encodeURIComponent(login)}/queues/${encodeURIComponent(body.queue)}`
      : `/api/v1/agents/${encodeURIComponent(login)}/${action}`;
    const response = await fetch(path, {
      method: action === "logout" ? "DELETE" : "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.value : "" },
      body: JSON.stringify(body),
    });
    if (error) {
      error.hidden = response.ok;
      if (!response.ok) error.textContent = (await response.json()).message;
    }
  }

  agents.addEventListener("submit", (event) => {
    const form = event.target.closest("form.agent-action");
    if (!form) return;
    event.preventDefault();
    act(form.dataset.login, "pause", { reason: form.elements.reason.value });
  });
  agents.addEventListener("click", (event) => {
    const button = event.target.closest("button.agent-action");
    if (!button) return;
    act(button.dataset.login, button.dataset.action, { queue: button.dataset.queue || "" });
  });

  setInterval(tick, 1000);
  tick();
  connect();
})();
