"""The payment QR code of ГОСТ Р 56042-2014 that banking apps read to fill in a transfer."""

from __future__ import annotations

from typing import Any

import segno

from callcenter.invoices.words import format_amount

HEADER = "ST00012"  # format ST, version 0001, encoding 2 = UTF-8
PURPOSE_MAX = 210


def _clean(value: Any) -> str:
    """A field value may not hold the separator «|» nor line breaks."""
    return " ".join(str(value or "").replace("|", " ").split())


def payment_purpose(number: int, issued: str, vat_note: str) -> str:
    return _clean(f"Оплата по счёту № {number} от {issued}. {vat_note}")[:PURPOSE_MAX]


def vat_note(rows: list[tuple[int, Any]], vat_mode: str) -> str:
    """«В т.ч. НДС (22%) 2 200,00» / «НДС (22%) 2 200,00» / «Без НДС»."""
    if vat_mode == "none" or not rows:
        return "Без НДС"
    prefix = "В т.ч. НДС" if vat_mode == "included" else "НДС"
    return ", ".join(f"{prefix} ({rate}%) {format_amount(vat)}" for rate, vat in rows).replace(
        "\u00a0", " "
    )


def payment_string(seller: dict[str, Any], *, kopecks: int, purpose: str) -> str:
    """``ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Sum=…|Purpose=…``"""
    fields = [
        ("Name", seller.get("name")),
        ("PersonalAcc", seller.get("settlement_account")),
        ("BankName", seller.get("bank_name")),
        ("BIC", seller.get("bik")),
        ("CorrespAcc", seller.get("corr_account")),
        ("PayeeINN", seller.get("inn")),
        ("KPP", seller.get("kpp")),
        ("Sum", kopecks),
        ("Purpose", purpose),
    ]
    return "|".join([HEADER] + [f"{key}={_clean(value)}" for key, value in fields if value])


def qr_matrix(payload: str) -> list[list[bool]]:
    """The dark (True) and light modules, with no quiet zone, row by row."""
    code = segno.make(payload, error="m", encoding="utf-8", micro=False)
    return [[bool(cell) for cell in row] for row in code.matrix_iter(scale=1, border=0)]
