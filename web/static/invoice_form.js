// The invoice form: each line's amount, the VAT rows and the total, as issuing would make
// them (the server works them out with the functions issuing uses, and formats them as the
// reader writes numbers), refreshed while typing, one request at a time.
"use strict";
(() => {
  const form = document.querySelector("form.invoice-form[data-preview]");
  if (!form) return;
  const totals = form.querySelector(".invoice-totals");
  let timer = null, busy = false, again = false;

  function cell(tag, text, className) {
    const element = document.createElement(tag);
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  function show(figures) {
    form.querySelectorAll("tr.line-row").forEach((row, index) => {
      const amount = row.querySelector(".line-amount");
      if (amount) amount.textContent = figures.lines[index] || "—";
    });
    totals.querySelector("[data-figure=subtotal]").textContent = figures.subtotal;
    totals.querySelector(".vat-rows").replaceChildren(
      ...figures.vat.flatMap((row) => [cell("dt", row.label), cell("dd", row.amount, "num vat")]));
    totals.querySelector("[data-figure=total]").textContent = figures.total;
    totals.hidden = false;
  }

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const body = new FormData(form);
      const response = await fetch(form.dataset.preview, {
        method: "POST",
        body,
        headers: { Accept: "application/json", "X-CSRF-Token": body.get("csrf_token") || "" },
      });
      if (response.ok) show(await response.json());
    } catch (error) {
      // the link is down: the figures catch up with the next change
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  refresh();
})();
