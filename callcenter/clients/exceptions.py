from __future__ import annotations

from dataclasses import dataclass

from callcenter.errors import Conflict, Invalid


class ClientInvalid(Invalid):
    id = "client_invalid"


@dataclass(frozen=True)
class Duplicate:
    """Another client already holding a phone, INN or e-mail being saved."""

    field: str  # phone, inn, email
    value: str
    client_id: int
    client_name: str


class DuplicateClient(Conflict):
    id = "duplicate_client"

    def __init__(self, message: str, duplicates: list[Duplicate]) -> None:
        fields: dict[str, str] = {}
        for dup in duplicates:
            fields.setdefault(dup.field, f"{dup.value}: #{dup.client_id} {dup.client_name}")
        super().__init__(message, fields=fields)
        self.duplicates = duplicates
