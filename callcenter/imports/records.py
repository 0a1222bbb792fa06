"""The rows an import is made of, as the targets clean them and the writers write them.

A leaf: the targets (``clients``, ``orders``) make these, the plans and writers read them,
and neither side needs the other to name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callcenter.clients.input import CleanClient
from callcenter.orders.input import LineInput, ProductFacts


@dataclass
class ClientRecord:
    line: int
    client: CleanClient
    company_name: str  # a person's company, linked (or made) by name
    owner_given: bool  # the file names the owner (an update then changes it)
    notify_given: bool = False  # the file says how the client hears of orders (likewise)
    client_id: int | None = None  # once written
    company_record: ClientRecord | None = None  # the company this file makes for a person
    partner_id: int | None = None  # the partner the row attributes the client to


@dataclass
class ClientKeys:
    """How an order's row names its client, in the forms the base keeps them."""

    inn: str = ""
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    name: str = ""  # name_key() of it
    new: ClientRecord | None = None  # the client to make if the base lacks it
    new_errors: dict[str, str] = field(default_factory=dict)  # why it cannot be made

    def given(self) -> bool:
        return bool(self.inn or self.phones or self.emails or self.name)


@dataclass
class OrderRow:
    line: int
    number: str
    reference: str
    client: ClientKeys
    status_id: int | None  # None: not given
    created_at: Any  # datetime | None
    stage_due: Any  # datetime | None
    manager_id: int | None
    channel_id: int | None
    notes: str
    reason: str
    item: LineInput
    facts: ProductFacts | None
    columns: dict[str, str]  # field -> the file's header, for errors found when writing
    currency: str

    @property
    def group(self) -> str:
        """Rows of one order share this: its number, else its reference, else the row alone."""
        if self.number:
            return "number:" + self.number
        return "ref:" + self.reference if self.reference else f"line:{self.line}"
