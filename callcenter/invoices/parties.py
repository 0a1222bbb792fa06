"""The buyer as an invoice prints it, frozen from the client at issue time."""

from __future__ import annotations

from typing import Any

import phonenumbers

from callcenter.clients.models import Client


def _phone(client: Client) -> str:
    if not client.phones:
        return ""
    phone = client.phones[0]
    try:
        number = phonenumbers.parse(phone.e164, None)
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        text = phone.e164
    return f"{text} доб. {phone.extension}" if phone.extension else text


def buyer_snapshot(client: Client) -> dict[str, Any]:
    """Name, INN, KPP, address and phone; a person without requisites has only what exists."""
    return {
        "kind": client.kind,
        "name": client.name,
        "inn": client.inn,
        "kpp": client.kpp if client.kind == "company" else None,
        "address": client.legal_address or client.postal_address,
        "phone": _phone(client),
        "email": client.emails[0].email if client.emails else "",
    }


def party_line(party: dict[str, Any]) -> str:
    """«ООО «Вектор», ИНН 7736207543, КПП 770401001, 119021, Москва, ул. Льва Толстого, 16,
    тел.: +7 495 739-70-00» as the Поставщик/Покупатель rows print it."""
    parts = [party.get("name") or ""]
    if party.get("inn"):
        parts.append(f"ИНН {party['inn']}")
    if party.get("kpp"):
        parts.append(f"КПП {party['kpp']}")
    if party.get("address"):
        parts.append(party["address"])
    if party.get("phone"):
        parts.append(f"тел.: {party['phone']}")
    return ", ".join(p for p in parts if p)
