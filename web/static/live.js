// The user's live socket, on every page: task reminders as toasts, the due tasks badge, and on
// the workspace the screen-pops, call state and a visible link state.
// Reconnects by itself with back-off; on (re)connect the server sends the calls ringing now.
// The link shows online only while the server also hears calls (its hello and link frames).
"use strict";
(() => {
  const state = document.getElementById("link-state");
  const pops = document.getElementById("pops");
  const empty = document.getElementById("no-calls");
  const toasts = document.getElementById("toasts");
  const badge = document.getElementById("due-badge");
  if (!pops && !toasts) return;
  let delay = 500;

  function setState(name) {
    if (!state) return;
    state.dataset.state = name;
    state.textContent = state.dataset["label" + name[0].toUpperCase() + name.slice(1)] || name;
  }

  function setBadge(count) {
    if (!badge || typeof count !== "number") return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  function showToast(frame) {
    if (!toasts) return;
    const holder = document.createElement("div");
    holder.innerHTML = frame.html;  // rendered and escaped by the server's templates
    const toast = holder.firstElementChild;
    const old = toasts.querySelector(`.toast[data-task-id="${CSS.escape(String(frame.task_id))}"]`);
    if (old) old.remove();
    toasts.prepend(toast);
  }

  function popFor(linkedid) {
    return pops.querySelector(`.pop[data-linkedid="${CSS.escape(linkedid)}"]`);
  }

  function refreshEmpty() {
    if (empty && pops) empty.hidden = pops.children.length > 0;
  }

  function onCallFrame(frame) {
    if (frame.type === "ringing") {
      const old = popFor(frame.linkedid);
      const holder = document.createElement("div");
      holder.innerHTML = frame.html;  // rendered and escaped by the server's templates
      const pop = holder.firstElementChild;
      pop.classList.add("ringing");
      if (old) old.replaceWith(pop); else pops.prepend(pop);
    } else if (frame.type === "answered" || frame.type === "ended") {
      const pop = popFor(frame.linkedid);
      if (!pop) return;
      pop.classList.remove("ringing");
      pop.classList.add(frame.type === "answered" ? "talking" : "ended");
      const label = pop.querySelector(".pop-state");
      if (label) label.textContent = pops.dataset[frame.type === "answered" ? "labelTalking" : "labelEnded"];
      const wrapup = pop.querySelector("form.wrapup");
      if (frame.type === "ended" && wrapup) wrapup.hidden = false;
    }
    refreshEmpty();
  }

  function onFrame(frame) {
    document.dispatchEvent(new CustomEvent("live-frame", { detail: frame }));
    if (frame.type === "hello" || frame.type === "link") {
      // online only while the server hears the calls too: a pop is never lost silently
      const hearing = frame.listening !== false;
      setState(hearing ? "online" : "connecting");
      document.body.dataset.live = hearing ? "online" : "connecting";
    } else if (frame.type === "task_due") {
      showToast(frame);
      setBadge(frame.due_count);
    } else if (frame.type === "task_count") {
      setBadge(frame.due_count);
    } else if (pops) {
      onCallFrame(frame);
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/live${pops ? "" : "?pops=0"}`);
    setState("connecting");
    ws.onopen = () => { delay = 500; };  // "online" once the server's hello says it hears calls
    ws.onmessage = (event) => {
      try { onFrame(JSON.parse(event.data)); } catch (error) { console.error(error); }
    };
    ws.onclose = () => {
      setState("offline");
      document.body.dataset.live = "offline";
      setTimeout(connect, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 10000);
    };
  }
  if (toasts) {
    toasts.addEventListener("click", (event) => {
      const close = event.target.closest(".toast-close");
      if (close) close.closest(".toast").remove();
    });
  }
  // the wrap-up form is sent by script, so typing it never leaves the page (and its pops)
  if (pops) pops.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.wrapup");
    if (!form) return;
    event.preventDefault();
    const token = document.querySelector("input[name=csrf_token]");
    const errors = form.querySelector(".wrapup-errors");
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form),
      headers: { "X-CSRF-Token": token ? token.value : "" },
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      form.querySelectorAll("select, textarea, input, button").forEach((el) => { el.disabled = true; });
      form.querySelector(".wrapup-saved").hidden = false;
      errors.hidden = true;
    } else {
      errors.textContent = [body.message, ...Object.values(body.fields || {})].filter(Boolean).join(" ");
      errors.hidden = false;
    }
  });
  refreshEmpty();
  connect();
})();
