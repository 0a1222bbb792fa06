// Small progressive enhancements; every page works without them.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.add-row");
  if (!button) return;
  const template = document.getElementById(button.dataset.template);
  if (template) button.before(template.content.cloneNode(true));
});
