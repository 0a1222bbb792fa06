// The import's progress bar: asks the API every second, reloads the page when it is over.
"use strict";
(() => {
  const panel = document.querySelector(".import-status");
  if (!panel) return;
  const url = `/api/v1/imports/${panel.dataset.import}`;
  const bar = document.getElementById("import-progress");
  const rows = document.getElementById("import-rows");
  const total = document.getElementById("import-total");
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const job = await response.json();
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
          return;
        }
        if (bar) { bar.value = job.progress; bar.textContent = `${job.progress}%`; }
        if (rows) rows.textContent = format.format(job.rows_done);
        if (total) total.textContent = format.format(job.total_rows);
      }
    } catch (error) {
      // a dropped connection: try again on the next tick
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
