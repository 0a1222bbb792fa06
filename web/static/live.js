// The operator's live socket: screen-pops, call state, and a visible link state.
// Reconnects by itself with back-off; on (re)connect the server sends the calls ringing now.
"use strict";
(() => {
  const state = document.getElementById("link-state");
  const pops = document.getElementById("pops");
  const empty = document.getElementById("no-calls");
  if (!state || !pops) return;
  let delay = 500;

  function setState(name) {
    state.dataset.state = name;
    state.textContent = state.dataset["label" + name[0].toUpperCase() + name.slice(1)] || name;
  }

  function popFor(linkedid) {
    return pops.querySelector(`.pop[data-linkedid="${CSS.escape(linkedid)}"]`);
  }

  function refreshEmpty() {
    if (empty) empty.hidden = pops.children.length > 0;
  }

  function onFrame(frame) {
    document.dispatchEvent(new CustomEvent("live-frame", { detail: frame }));
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

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/live`);
    setState("connecting");
    ws.onopen = () => { delay = 500; setState("online"); };
    ws.onmessage = (event) => {
      try { onFrame(JSON.parse(event.data)); } catch (error) { console.error(error); }
    };
    ws.onclose = () => {
      setState("offline");
      setTimeout(connect, delay + Math.random() * delay / 2);
      delay = Math.min(delay * 2, 10000);
    };
  }
  // the wrap-up form is sent by script, so typing it never leaves the page (and its pops)
  pops.addEventListener("submit", async (event) => {
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
