// A text message's length in SMS parts, shown while it is typed: every textarea marked
// data-sms-parts writes into the next .sms-parts element of its form, in that element's
// data-label ("{parts}", "{encoding}", "{units}" filled in). The same rules as
// callcenter/sms/parts.py (GSM-7 160/153 with the extension table at two septets; else
// UCS-2 70/67 in UTF-16 units; nothing split between parts). The server shows it too.
"use strict";
(() => {
  const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const EXTENSION = "\f^{}\\[~]|€";
  const basic = new Set(GSM7);
  const extended = new Set(EXTENSION);

  function count(text) {
    const chars = Array.from(text);  // code points: an emoji is one, two UTF-16 units
    const gsm = chars.every((c) => basic.has(c) || extended.has(c));
    const sizes = chars.map((c) => (gsm ? (extended.has(c) ? 2 : 1) : c.length));
    const [single, part] = gsm ? [160, 153] : [70, 67];
    const units = sizes.reduce((a, b) => a + b, 0);
    let parts = units === 0 ? 0 : 1;
    if (units > single) {
      let used = 0;
      for (const size of sizes) {
        if (used + size > part) { parts += 1; used = 0; }
        used += size;
      }
    }
    return { parts, units, encoding: gsm ? "GSM-7" : "UCS-2" };
  }

  for (const area of document.querySelectorAll("textarea[data-sms-parts]")) {
    const scope = area.closest("fieldset") || area.form || document;
    const out = scope.querySelector(".sms-parts");
    if (!out) continue;
    const label = out.dataset.label || "{parts} SMS · {encoding} · {units}";
    const show = () => {
      const found = count(area.value);
      out.textContent = label.replace("{parts}", found.parts)
        .replace("{encoding}", found.encoding).replace("{units}", found.units);
    };
    area.addEventListener("input", show);
    show();
  }
})();
