// The order form: a picked product fills the empty fields of its row, rows can be added,
// and each row shows its amount as typed. The server computes the real total; the form
// works without this script.
"use strict";
(() => {
  const form = document.querySelector("form.order-form");
  if (!form) return;
  const number = (text) => {
    const value = parseFloat(String(text).replace(/[\s\u00a0]/g, "").replace(",", "."));
    return Number.isFinite(value) ? value : NaN;
  };
  const field = (row, name) => row.querySelector(`[name=line_${name}]`);
  const product = (row) => field(row, "product_id").selectedOptions[0];

  function showAmount(row) {
    const picked = product(row);
    const price = field(row, "price").value.trim() || (picked && picked.dataset.price) || "";
    const amount = number(field(row, "quantity").value) * number(price)
      * (1 - (number(field(row, "discount_percent").value || "0") / 100));
    const cell = row.querySelector(".line-amount");
    if (cell) cell.textContent = Number.isFinite(amount)
      ? amount.toLocaleString(document.documentElement.lang, {minimumFractionDigits: 2, maximumFractionDigits: 2})
      : "";
  }

  form.addEventListener("change", (event) => {
    const row = event.target.closest("tr.line-row");
    if (!row) return;
    if (event.target.name === "line_product_id") {
      const picked = product(row);
      if (picked && picked.value && !field(row, "description").value.trim()) {
        field(row, "description").value = picked.dataset.name;
      }
    }
    showAmount(row);
  });
  form.addEventListener("input", (event) => {
    const row = event.target.closest("tr.line-row");
    if (row) showAmount(row);
  });
  const add = form.querySelector("button.add-line");
  if (add) add.addEventListener("click", () => {
    const rows = form.querySelectorAll("tr.line-row");
    const copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach((input) => {
      input.value = input.name === "line_quantity" ? "1" : (input.name === "line_discount_percent" ? "0" : "");
    });
    copy.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
    copy.querySelectorAll(".field-error").forEach((error) => error.remove());
    rows[rows.length - 1].after(copy);
    showAmount(copy);
  });
  form.querySelectorAll("tr.line-row").forEach(showAmount);
})();
