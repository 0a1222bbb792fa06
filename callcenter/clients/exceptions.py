from __future__ import annotations

from dataclasses import dataclass

from callcenter.errors import Conflict, Invalid
from callcenter.i18n import N_

# what the user is told of a duplicate they may not see: that it exists, nothing of it
HIDDEN_DUPLICATE = {
    "phone": N_("A client with this phone already exists; ask its owner or an administrator"),
    "inn": N_("A client with this INN already exists; ask its owner or an administrator"),
    "email": N_("A client with this e-mail already exists; ask its owner or an administrator"),
}


class ClientInvalid(Invalid):
    id = "client_invalid"


@dataclass(frozen=True)
class Duplicate:
    """Another client already holding a phone, INN or e-mail being saved. One the user may
    not see (another manager's) carries neither its id nor its name."""

    field: str  # phone, inn, email
    value: str  # as the user typed it (normalised)
    client_id: int | None = None
    client_name: str | None = None

    @property
    def visible(self) -> bool:
        return self.client_id is not None


class DuplicateClient(Conflict):
    id = "duplicate_client"

    def __init__(self, message: str, duplicates: list[Duplicate]) -> None:
        fields: dict[str, str] = {}
        for dup in duplicates:
            if dup.visible:
                fields.setdefault(dup.field, f"{dup.value}: #{dup.client_id} {dup.client_name}")
            else:
                fields.setdefault(dup.field, HIDDEN_DUPLICATE[dup.field])
        super().__init__(message, fields=fields)
        self.duplicates = duplicates
