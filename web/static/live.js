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
    regroup();
  }

  // Two reminders or more make one toast: how many, "close all", and the reminders listed
  // inside it (newest first); back to a single toast when one is left.
  function remindersLabel(count) {
    const rule = new Intl.PluralRules(document.documentElement.lang || "en").select(count);
    const text = toasts.dataset["reminders" + rule[0].toUpperCase() + rule.slice(1)]
      || toasts.dataset.remindersMany || "{n}";
    return text.replace("{n}", String(count));
  }

  function regroup() {
    let group = toasts.querySelector(".toast-group");
    const reminders = [...toasts.querySelectorAll(".task-toast")];
    if (reminders.length < 2) {
      if (group) {
        reminders.forEach((toast) => group.before(toast));
        group.remove();
      }
      return;
    }
    if (!group) {
      group = document.createElement("div");
      group.className = "toast toast-group";
      group.setAttribute("role", "alert");
      const head = document.createElement("div");
      head.className = "toast-group-head";
      const count = document.createElement("strong");
      count.className = "toast-count";
      const closeAll = document.createElement("button");
      closeAll.type = "button";
      closeAll.className = "link toast-close-all";
      closeAll.textContent = toasts.dataset.closeAll || "×";
      head.append(count, closeAll);
      const list = document.createElement("div");
      list.className = "toast-group-list";
      group.append(head, list);
    }
    toasts.prepend(group);
    const list = group.querySelector(".toast-group-list");
    // newest first: the order the toasts had on the page (each new one is prepended)
    const ordered = reminders.filter((t) => !list.contains(t)).concat([...list.children]);
    ordered.forEach((toast) => list.append(toast));
    group.querySelector(".toast-count").textContent = remindersLabel(reminders.length);
  }

  function popFor(linkedid) {
    return pops.querySelector(`.pop[data-linkedid="${CSS.escape(linkedid)}"]`);
  }

  // the call timer: ring time while ringing, talk time once answered, frozen when it ends;
  // the PBX's moment is read on the server's clock (heard_at), so a skewed PC clock is no matter
  function startOf(frame) {
    const lag = frame.event_at && frame.heard_at ? Math.max(0, frame.heard_at - frame.event_at) : 0;
    return Date.now() - lag * 1000;
  }

  function showTime(pop) {
    const timer = pop.querySelector(".pop-timer");
    if (!timer || !pop.dataset.since) return;
    const total = Math.max(0, Math.floor((Date.now() - Number(pop.dataset.since)) / 1000));
    const minutes = Math.floor(total / 60), seconds = String(total % 60).padStart(2, "0");
    timer.textContent = minutes >= 60
      ? `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}:${seconds}`
      : `${minutes}:${seconds}`;
  }

  function refreshEmpty() {
    if (empty && pops) empty.hidden = pops.children.length > 0;
  }

  // the server's card for this frame, put where ``old`` was (or first when there is none)
  function cardInPlaceOf(old, frame) {
    const holder = document.createElement("div");
    holder.innerHTML = frame.html;  // rendered and escaped by the server's templates
    const pop = holder.firstElementChild;
    if (old) old.replaceWith(pop); else pops.prepend(pop);
    return pop;
  }

  function onCallFrame(frame) {
    if (frame.type === "ringing") {
      const old = popFor(frame.linkedid);
      const since = old && old.dataset.since ? old.dataset.since : String(startOf(frame));
      const pop = cardInPlaceOf(old, frame);
      pop.classList.add("ringing");
      pop.dataset.since = since;
      showTime(pop);
    } else if (frame.type === "answered" || frame.type === "ended") {
      if (frame.replaces && frame.html) {
        // the agent's own call joined this one (a parked call picked up): its pop becomes
        // this call's card, answered as any other below
        cardInPlaceOf(popFor(frame.replaces) || popFor(frame.linkedid), frame);
      }
      const pop = popFor(frame.linkedid);
      if (!pop) return;
      pop.classList.remove("ringing");
      showTime(pop);  // the ended call keeps its last figure
      if (frame.type === "answered") pop.dataset.since = String(startOf(frame));
      pop.classList.add(frame.type === "answered" ? "talking" : "ended");
      const label = pop.querySelector(".pop-state");
      if (label) label.textContent = pops.dataset[frame.type === "answered" ? "labelTalking" : "labelEnded"];
      const wrapup = pop.querySelector("form.wrapup");
      if (frame.type === "ended" && wrapup) wrapup.hidden = false;
    }
    refreshEmpty();
  }

  function onFrame(frame) {
    if (frame.type === "floor") {  // the floor's figures, sent together: one event each
      frame.figures.forEach(onFrame);
      return;
    }
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
      if (event.target.closest(".toast-close-all")) {
        toasts.querySelectorAll(".toast").forEach((toast) => toast.remove());
        return;
      }
      const close = event.target.closest(".toast-close");
      if (!close) return;
      close.closest(".toast").remove();
      regroup();
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
  if (pops) setInterval(() => pops.querySelectorAll(".pop:not(.ended)").forEach(showTime), 1000);
  refreshEmpty();
  connect();
})();
