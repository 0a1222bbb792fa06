// Campaign work on the workspace: the next preview contact's card and script, Dial (one
// Originate per click: the request carries an Idempotency-Key) or Skip, the call's progress,
// and the disposition. Also shows a refusal reason or a callback time in any campaign wrap-up
// form (the pop's too) only for a disposition of that kind.
"use strict";
(() => {
  const csrf = document.body.dataset.csrf || (document.querySelector("input[name=csrf_token]") || {}).value || "";

  function showFor(form) {
    const select = form.querySelector("select[name=disposition]");
    const kind = select && select.selectedOptions[0] ? select.selectedOptions[0].dataset.kind : "";
    for (const [name, wanted] of [["for-refusal", "refusal"], ["for-callback", "callback"]]) {
      const box = form.querySelector("." + name);
      if (box) box.hidden = kind !== wanted;
    }
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("form select[name=disposition]")) showFor(event.target.form);
  });

  const panel = document.getElementById("campaign-panel");
  if (!panel) return;
  const $ = (selector) => panel.querySelector(selector);
  const card = $(".preview-card"), wrapup = $(".preview-wrapup"), error = $(".campaign-error");
  let current = null;  // the preview shown: {campaign, contact, client, attempt}
  let dialKey = null;

  async function call(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, ...(body && body.key ? { "Idempotency-Key": body.key } : {}) },
      body: method === "GET" ? undefined : JSON.stringify(body || {}),
    });
    const answer = await response.json().catch(() => ({}));
    error.hidden = response.ok;
    if (!response.ok) error.textContent = [answer.message, ...Object.values(answer.fields || {})].filter(Boolean).join(" ");
    return response.ok ? answer : null;
  }

  function fill(selector, text) {
    $(selector).textContent = text || "";
    const term = $(`dt[data-for="${selector.slice(1)}"]`);  // a card row shows only when filled
    if (term) term.hidden = $(selector).hidden = !text;
  }

  function progressLabel(attempt) {
    if (attempt.disposition) return wrapup.querySelector(".preview-saved").textContent;
    const stage = attempt.dial ? attempt.dial.progress : "queued";
    const label = document.body.getAttribute("data-dial-" + stage) || stage;
    return attempt.dial && attempt.dial.message ? `${label} (${attempt.dial.message})` : label;
  }

  function fillWrapup(campaign) {
    const choices = wrapup.querySelector("select[name=disposition]");
    choices.length = 1;
    for (const d of campaign.dispositions) {
      const option = new Option(d.label, d.code);
      option.dataset.kind = d.kind;
      choices.append(option);
    }
    const reasons = wrapup.querySelector("select[name=refusal_reason]");
    const typed = wrapup.querySelector("input[name=refusal_reason]");
    reasons.length = 1;
    for (const r of campaign.refusal_reasons) reasons.append(new Option(r, r));
    const listed = campaign.refusal_reasons.length > 0;
    reasons.hidden = reasons.disabled = !listed;
    typed.hidden = typed.disabled = listed;
    wrapup.reset();
    showFor(wrapup);
  }

  function render(preview) {
    current = preview;
    dialKey = null;
    const { contact, client, campaign, attempt } = preview;
    fill(".preview-name", contact.name || contact.number_display);
    fill(".preview-number", contact.number_display);
    fill(".preview-attempts", `${panel.dataset.labelAttempts}: ${contact.attempts}`);
    $(".preview-client").hidden = !client;
    if (client) {
      const link = $(".preview-client-link");
      link.href = `/clients/${client.id}`;
      link.textContent = client.name;
      fill(".preview-company", client.company);
      fill(".preview-owner", client.owner);
      fill(".preview-tags", client.tags.join(", "));
      fill(".preview-notes", client.notes);
    }
    fill(".preview-script", campaign.script);
    fillWrapup(campaign);
    showAttempt(attempt);
    card.hidden = false;
    $(".campaign-empty").hidden = true;
  }

  function showAttempt(attempt) {
    const inFlight = attempt && !attempt.outcome && !attempt.disposition;
    $(".preview-dial").disabled = Boolean(attempt);
    $(".preview-skip").disabled = Boolean(attempt);
    fill(".preview-progress", attempt ? progressLabel(attempt) : "");
    wrapup.hidden = !attempt || Boolean(attempt.disposition);
    if (current) current.attempt = attempt;
    return inFlight;
  }

  async function follow(attemptId) {
    const started = Date.now();
    while (current && current.attempt && current.attempt.id === attemptId && Date.now() - started < 180000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const attempt = await call("GET", `/api/v1/dialer/attempts/${attemptId}`);
      if (!attempt || !current || !current.attempt || current.attempt.id !== attemptId) return;
      const going = showAttempt(attempt);
      if (!going && (!attempt.dial || ["ended", "failed"].includes(attempt.dial.progress))) return;
    }
  }

  async function next() {
    const campaign = $("#campaign-pick select[name=campaign]").value;
    const answer = await call("POST", `/api/v1/dialer/campaigns/${campaign}/next`);
    if (!answer) return;
    if (!answer.contact) {
      current = null;
      card.hidden = true;
      const empty = $(".campaign-empty");
      empty.textContent = answer.message || panel.dataset.labelNone;
      empty.hidden = false;
      return;
    }
    render(answer);
    if (answer.attempt && !answer.attempt.outcome) follow(answer.attempt.id);
  }

  $("#campaign-pick").addEventListener("submit", (event) => { event.preventDefault(); next(); });

  $(".preview-dial").addEventListener("click", async () => {
    if (!current || current.attempt) return;
    $(".preview-dial").disabled = $(".preview-skip").disabled = true;
    dialKey = dialKey || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()));
    const attempt = await call("POST", `/api/v1/dialer/contacts/${current.contact.id}/dial`, { key: dialKey });
    if (!attempt) {  // refused: the reason is shown; an excluded contact is gone for good
      $(".preview-dial").disabled = $(".preview-skip").disabled = false;
      return;
    }
    showAttempt(attempt);
    follow(attempt.id);
  });

  $(".preview-skip").addEventListener("click", async () => {
    if (!current || current.attempt) return;
    if (await call("POST", `/api/v1/dialer/contacts/${current.contact.id}/skip`)) next();
  });

  wrapup.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current || !current.attempt) return;
    const fields = Object.fromEntries(new FormData(wrapup).entries());
    const saved = await call("POST", `/api/v1/dialer/attempts/${current.attempt.id}/disposition`, fields);
    if (saved) showAttempt(saved);
  });
})();
