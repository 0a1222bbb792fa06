"""Units of measure from ОКЕИ (ОК 015-94), as an invoice line names them.

ОКЕИ has no «услуга»: services take 876 «усл. ед» or a dash (code "").
"""

from __future__ import annotations

UNITS: dict[str, str] = {
    "796": "шт",
    "876": "усл. ед",
    "356": "ч",
    "359": "сут",
    "362": "мес",
    "366": "лет",
    "163": "г",
    "166": "кг",
    "168": "т",
    "006": "м",
    "018": "пог. м",
    "055": "м2",
    "113": "м3",
    "112": "л",
    "839": "компл",
    "778": "упак",
    "728": "пач",
    "715": "пар",
    "": "—",
}
DEFAULT_UNIT = "796"


def unit_name(code: str) -> str:
    return UNITS[code]
