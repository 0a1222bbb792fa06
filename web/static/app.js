// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.add-row");
  if (!button) return;
  const template = document.getElementById(button.dataset.template);
  if (template) button.before(template.content.cloneNode(true));
});
// Invoice lines: another empty row at the end of the table.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.add-line");
  if (!button) return;
  const template = document.getElementById("line-row");
  const body = button.closest("fieldset").querySelector("table tbody");
  if (template && body) body.append(template.content.cloneNode(true));
});
