"""A client's region, read from the address in SQL (so a rollup can group by it).

Russian addresses name the subject of the federation in a few ways: «г. Москва»,
«Московская обл.», «Краснодарский край», «Республика Татарстан» / «Татарстан Респ»,
«Ханты-Мансийский автономный округ - Югра» / «ХМАО». The first that matches wins and is
written one way («Московская область»); an address naming none gives "" (region unknown).
The postal address is read first, then the legal one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func

WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*"
# (pattern with one group, how the region is written from the group)
RULES: tuple[tuple[str, str], ...] = (
    (r"(?:^|[\s,.])(Москва|Санкт-Петербург|Севастополь)(?:$|[\s,.])", "{}"),
    (rf"({WORD}(?:\s{WORD})?)\s+(?:обл\.?|область)(?:$|[\s,])", "{} область"),
    (rf"({WORD})\s+край(?:$|[\s,])", "{} край"),
    (rf"(?:Республика|Респ\.)\s+({WORD}(?:\s{WORD})?)", "Республика {}"),
    (rf"({WORD})\s+Респ(?:ублика)?\.?(?:$|[\s,])", "Республика {}"),
    (rf"({WORD})\s+(?:автономный\s+округ|АО)(?:$|[\s,\-])", "{} автономный округ"),
    (r"(ХМАО|ЯНАО)", "{}"),
)


def region_of(postal_address: Any, legal_address: Any) -> ColumnElement[str]:
    """The region named in the postal (else the legal) address, "" if none is."""
    address = func.coalesce(func.nullif(func.trim(postal_address), ""), legal_address, "")
    whens = []
    for pattern, written in RULES:
        found = func.substring(address, pattern)
        before, _, after = written.partition("{}")
        whens.append((found.isnot(None), func.concat(before, found, after)))
    return func.left(case(*whens, else_=""), 100)
