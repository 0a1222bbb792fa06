// The client card's activity feed: "Show earlier" appends the next page in place (the server
// pages by keyset, so items written meanwhile never repeat or go missing); without this
// script the same link opens that page on its own.
"use strict";
(() => {
  const feed = document.querySelector(".activity-feed");
  if (!feed) return;
  feed.addEventListener("click", async (event) => {
    const link = event.target.closest("a.activity-more");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    link.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(link.href, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const row = link.closest("li");
      row.insertAdjacentHTML("beforebegin", html);
      row.remove();
    } catch (error) {
      window.location.href = link.href;  // the plain page says what went wrong
    }
  });
})();
