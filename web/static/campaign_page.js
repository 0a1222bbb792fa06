// The campaign page: its figures are fetched again on every `campaign` live frame for this
// campaign (and when the socket (re)connects), one fetch at a time; a state the dialer changed
// (running -> finished) reloads the page for its buttons. Stopping asks first.
"use strict";
(() => {
  const head = document.getElementById("campaign");
  const figures = document.getElementById("figures");
  if (!head || !figures) return;
  const id = head.dataset.campaignId;
  let busy = false, again = false;

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch(`/campaigns/${id}/figures`, { headers: { Accept: "text/html" } });
      if (response.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();  // rendered and escaped by the server
        const fresh = holder.querySelector("#figures");
        if (fresh && fresh.dataset.state !== figures.dataset.state) { location.reload(); return; }
        if (fresh) figures.replaceChildren(...fresh.childNodes);
      }
    } finally {
      busy = false;
      if (again) { again = false; setTimeout(refresh, 300); }
    }
  }

  document.addEventListener("live-frame", (event) => {
    const frame = event.detail || {};
    if (frame.type === "hello" || (frame.type === "campaign" && String(frame.id) === id)) refresh();
  });
  head.addEventListener("submit", (event) => {
    const button = event.submitter || event.target.querySelector("button[data-confirm]");
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();
