"""Units of measure from OKEI (ОК 015-94): the code goes on documents with OKEI's own short
Russian name (an invoice line's «шт»), the screen shows a translated one.

OKEI has no code for «услуга»: services use 876 («усл. ед»), as the Minfin letter allows; an
invoice line may also leave the unit out (code "", shown as a dash).
"""

from __future__ import annotations

from callcenter.i18n import N_

# code, OKEI's short name (documents), the name shown on screen (translated where shown)
OKEI = (
    ("796", "шт", N_("pcs")),
    ("876", "усл. ед", N_("service unit")),
    ("356", "ч", N_("h")),
    ("359", "сут", N_("day")),
    ("362", "мес", N_("month")),
    ("366", "лет", N_("year")),
    ("163", "г", N_("g")),
    ("166", "кг", N_("kg")),
    ("168", "т", N_("t")),
    ("006", "м", N_("m")),
    ("018", "пог. м", N_("running m")),
    ("055", "м2", N_("m²")),
    ("113", "м3", N_("m³")),
    ("112", "л", N_("l")),
    ("839", "компл", N_("set")),
    ("778", "упак", N_("pack")),
    ("728", "пач", N_("bundle")),
    ("715", "пар", N_("pair")),
)
UNITS: dict[str, str] = {code: label for code, _okei, label in OKEI}  # products and orders
# an invoice line's units as the document writes them
DOCUMENT_UNITS: dict[str, str] = {code: okei for code, okei, _label in OKEI} | {"": "—"}
DEFAULT_UNIT = "796"
# shown through the templates' gettext, which formats with %: hence the doubled %%
VAT_LABELS: dict[str, str] = {
    "22": N_("VAT 22%%"),
    "10": N_("VAT 10%%"),
    "0": N_("VAT 0%%"),
    "5": N_("VAT 5%%"),
    "7": N_("VAT 7%%"),
    "none": N_("no VAT"),
}
