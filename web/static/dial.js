// Click-to-call: any number link (a[data-phone]) rings the user's own phone, then the number.
// One click dials once: the link is locked while the request is out, and each click carries an
// Idempotency-Key, so a retried request finds its first call instead of placing another.
"use strict";
(() => {
  const body = document.body;
  if (!body.dataset.canDial) return;
  const csrf = body.dataset.csrf || "";
  let busy = false;

  function toast() {
    let box = document.getElementById("dial-toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "dial-toast";
      box.className = "dial-toast";
      box.setAttribute("role", "status");
      document.body.append(box);
    }
    return box;
  }

  function show(stage, number, message) {
    const box = toast();
    box.hidden = false;
    box.dataset.stage = stage;
    const label = body.dataset["dial_" + stage] || body.getAttribute("data-dial-" + stage) || stage;
    box.textContent = `${number}: ${label}${message ? " (" + message + ")" : ""}`;
  }

  async function follow(call) {
    const started = Date.now();
    let stage = call.progress;
    while (!["ended", "failed"].includes(stage) && Date.now() - started < 180000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const response = await fetch(`/api/v1/calls/dial/${call.id}`, { credentials: "same-origin" });
      if (!response.ok) break;
      const now = await response.json();
      if (now.progress !== stage || now.message) show(now.progress, call.to, now.message);
      stage = now.progress;
    }
    busy = false;
    setTimeout(() => { toast().hidden = true; }, 8000);
  }

  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-phone]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    if (busy) return;
    busy = true;
    const number = link.textContent.trim();
    show("queued", number);
    try {
      const response = await fetch("/api/v1/calls", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRF-Token": csrf,
          "Idempotency-Key": crypto.randomUUID ? crypto.randomUUID() : String(Math.random()),
        },
        body: JSON.stringify({ to: link.dataset.phone }),
      });
      const answer = await response.json();
      if (!response.ok) {
        show("failed", number, answer.message);
        busy = false;
        return;
      }
      answer.to = number;
      show(answer.progress, number);
      follow(answer);
    } catch (error) {
      show("failed", number, String(error));
      busy = false;
    }
  });
})();
