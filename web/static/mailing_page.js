// The mailing page: its figures (states, opens, clicks per link, replies, orders) are fetched
// again every few seconds, as the server renders them, one fetch at a time and only while the
// tab is shown; a state the sender changed (scheduled -> sending -> done) reloads the page for
// its buttons.
"use strict";
(() => {
  const figures = document.getElementById("mailing-figures");
  if (!figures) return;
  const id = figures.dataset.mailingId;
  const EVERY_MS = 2000;
  let busy = false;

  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(`/mailings/${id}/figures`, { headers: { Accept: "text/html" } });
      if (response.ok) {
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();  // rendered and escaped by the server
        const fresh = holder.querySelector("#mailing-figures");
        if (fresh && fresh.dataset.state !== figures.dataset.state) { location.reload(); return; }
        if (fresh) figures.replaceChildren(...fresh.childNodes);
      }
    } catch (error) {
      // the server is away for a moment: the next tick tries again
    } finally {
      busy = false;
    }
  }

  setInterval(refresh, EVERY_MS);
})();
