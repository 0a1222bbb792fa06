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
  let lostSeen = null;

  function setState(name) {
    state.dataset.state = name;
    state.textContent = state.dataset["label" + name[0].toUpperCase() + name.slice(1)] || name;
  }

  function cell(row, field) { return row.querySelector(`[data-field="${field}"]`); }

  function number(value, suffix) {
    return value === null || value === undefined ? "—" : fmt.format(value) + (suffix || "");
  }

  // "0:07", "12:34", "1:02:03": time in state and waits, as a clock reads them
  function clock(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
    const total = Math.max(0, Math.round(seconds));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  // a figure's colour by the queue's thresholds, the rule of callcenter/floor/alerts.py:
  // at or above amber/red (at or below for the service level); red wins; no value, no colour
  const LOWER_IS_WORSE = { service_level_today: true };
  function level(field, value, thresholds) {
    const [amber, red] = (thresholds || {})[field] || [null, null];
    if (value === null || value === undefined) return "";
    const past = (mark) => mark !== null && mark !== undefined &&
      (LOWER_IS_WORSE[field] ? value <= mark : value >= mark);
    return past(red) ? "red" : past(amber) ? "amber" : "";
  }

  const redNow = new Set();
  function colour(row, field, value) {
    const td = cell(row, field);
    let thresholds = {};
    try { thresholds = JSON.parse(row.dataset.thresholds || "{}"); } catch (e) { thresholds = {}; }
    const found = level(field, value, thresholds);
    td.classList.toggle("level-amber", found === "amber");
    td.classList.toggle("level-red", found === "red");
    const key = row.dataset.queue + "/" + field;
    if (found === "red" && !redNow.has(key)) { redNow.add(key); alarm(); }
    else if (found !== "red") redNow.delete(key);
  }

  // the sound alert: off unless this browser's supervisor switched it on (Web Audio needs
  // a click before it may play, which the switch is)
  const sound = document.getElementById("sound-alerts");
  let audio = null;
  if (sound) {
    sound.checked = localStorage.getItem("wallboard-sound") === "1";
    sound.addEventListener("change", () => {
      localStorage.setItem("wallboard-sound", sound.checked ? "1" : "0");
      if (sound.checked && !audio && window.AudioContext) audio = new AudioContext();
    });
  }
  function alarm() {
    if (!sound || !sound.checked) return;
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (!audio) return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
    sound.dataset.beeps = String(Number(sound.dataset.beeps || 0) + 1);
  }

  function lostOf(q) { return (q.abandoned_today || 0) + (q.exited_today || 0) + (q.lost_today || 0); }

  function applyQueue(q) {
    const row = queues.querySelector(`tr[data-queue="${CSS.escape(q.queue)}"]`);
    if (!row) { location.reload(); return; }
    if (q.thresholds) row.dataset.thresholds = JSON.stringify(q.thresholds);
    for (const field of ["waiting", "offered_today", "answered_today", "abandoned_today",
                         "exited_today", "lost_today", "asa_seconds", "aht_seconds"]) {
      cell(row, field).textContent = number(q[field]);
    }
    for (const field of ["service_level_today", "service_level2_today"]) {
      cell(row, field).textContent = number(q[field], "%");
    }
    colour(row, "waiting", q.waiting);
    colour(row, "service_level_today", q.service_level_today);
    const longest = cell(row, "longest_wait_seconds");
    const oldest = (q.callers || []).reduce((m, c) => Math.max(m, c.wait), 0);
    const base = q.waiting ? Math.max(oldest, q.longest_wait_seconds || 0) : null;
    setBase(longest, base);
    const callers = cell(row, "callers");
    const shown = (q.callers || []).slice(0, SHOWN_CALLERS).map((c) => {
      const span = document.createElement("span");
      span.className = "caller";
      const wait = document.createElement("span");
      wait.className = "wait";
      setBase(wait, c.wait);
      const muted = document.createElement("span");
      muted.className = "muted";
      muted.append(" · ", wait);
      span.append(c.display || c.caller, " ", muted);
      return span;
    });
    if (q.waiting > SHOWN_CALLERS) {  // the longest waits first; the rest as a count
      const more = document.createElement("span");
      more.className = "callers-more muted";
      more.textContent = (queues.dataset.moreLabel || "+{count}").replace("{count}", fmt.format(q.waiting - SHOWN_CALLERS));
      shown.push(more);
    }
    callers.replaceChildren(...shown);
    tickQueue(row);
    if (lostSeen !== null && lostOf(q) !== lostSeen[q.queue]) refreshAbandoned();
    lostSeen = lostSeen || {};
    lostSeen[q.queue] = lostOf(q);
  }

  // a ticking wait: the moment it began, so every second shows it one second longer
  function setBase(node, seconds) {
    if (seconds === null || seconds === undefined) {
      delete node.dataset.startedAt;
      node.textContent = clock(0);
    } else {
      node.dataset.startedAt = String(Date.now() - 1000 * seconds);
      node.textContent = clock(seconds);
    }
  }
  function elapsed(node) { return (Date.now() - Number(node.dataset.startedAt)) / 1000; }

  function tickQueue(row) {
    for (const wait of row.querySelectorAll("[data-started-at]")) wait.textContent = clock(elapsed(wait));
    const longest = cell(row, "longest_wait_seconds");
    colour(row, "longest_wait_seconds", longest.dataset.startedAt ? elapsed(longest) : 0);
  }

  function applyAgent(a) {
    const row = agents.querySelector(`[data-interface="${CSS.escape(a.interface)}"]`);
    if (!row) { location.reload(); return; }
    const status = a.state || a.status;
    row.dataset.state = status;
    row.className = row.className.replace(/\btile-\S+/g, "").trim() + " tile-" + status;
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
    tick();
  }

  function tick() {
    for (const since of agents.querySelectorAll("[data-since]")) {
      since.textContent = clock((Date.now() - Date.parse(since.dataset.since)) / 1000);
    }
    for (const row of queues.querySelectorAll("tr[data-queue]")) tickQueue(row);
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
    lostSeen = null;
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
      } else if (frame.type === "floor") {  // every figure that changed since the last frame
        for (const figure of frame.figures) {
          if (figure.type === "queue") applyQueue(figure);
          else if (figure.type === "agent") applyAgent(figure);
        }
      }
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

  // TV mode: the board alone, full screen (or from the start with ?tv=1, for a kiosk)
  const tv = document.getElementById("tv-mode");
  function setTv(on) {
    document.body.classList.toggle("tv", on);
    if (tv) tv.textContent = on ? tv.dataset.labelOff : tv.dataset.labelOn;
  }
  if (tv) {
    tv.addEventListener("click", () => {
      const on = !document.body.classList.contains("tv");
      setTv(on);
      if (on && document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(() => {});
      } else if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
    });
    document.addEventListener("fullscreenchange", () => { if (!document.fullscreenElement) setTv(false); });
  }
  if (new URLSearchParams(location.search).get("tv") === "1") setTv(true);

  // every second the clocks move; every half minute the lost callers' callbacks are read
  // again (a callback is an outbound call: no queue figure changes with it)
  for (const row of queues.querySelectorAll("tr[data-queue]")) {
    for (const node of row.querySelectorAll("[data-base-seconds]")) {
      if (node.dataset.baseSeconds !== "") setBase(node, Number(node.dataset.baseSeconds));
    }
  }
  setInterval(tick, 1000);
  setInterval(() => refreshAbandoned().catch(() => {}), 30000);
  tick();
  connect();
})();
