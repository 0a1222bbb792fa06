"""Units of measure from OKEI (ОК 015-94): the code goes on documents, the short name on screen.

OKEI has no code for «услуга»: services use 876 («усл. ед»), as the Minfin letter allows.
"""

from __future__ import annotations

from callcenter.i18n import N_

UNITS: dict[str, str] = {
    "796": N_("pcs"),
    "876": N_("service unit"),
    "356": N_("h"),
    "359": N_("day"),
    "362": N_("month"),
    "366": N_("year"),
    "163": N_("g"),
    "166": N_("kg"),
    "168": N_("t"),
    "006": N_("m"),
    "018": N_("running m"),
    "055": N_("m²"),
    "113": N_("m³"),
    "112": N_("l"),
    "839": N_("set"),
    "778": N_("pack"),
    "728": N_("bundle"),
    "715": N_("pair"),
}
# shown through the templates' gettext, which formats with %: hence the doubled %%
VAT_LABELS: dict[str, str] = {
    "22": N_("VAT 22%%"),
    "10": N_("VAT 10%%"),
    "0": N_("VAT 0%%"),
    "5": N_("VAT 5%%"),
    "7": N_("VAT 7%%"),
    "none": N_("no VAT"),
}


def unit_name(code: str) -> str:
    """The untranslated short name of an OKEI code (translate it where it is shown)."""
    return UNITS.get(code, code)
