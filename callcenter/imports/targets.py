"""What an import can fill: each target (clients, orders) is one small module.

A target names its fields with the headers people give them in Russian and English, turns
one row's texts into a clean record (or says what is wrong, by field), and writes a batch of
clean records in the caller's transaction, resolving duplicates by the user's policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.users.models import User
from callcenter.users.roles import Permission

DUPLICATE_ACTIONS = ("update", "skip", "create")


def norm_header(text: str) -> str:
    """``«Тел.»`` and ``тел`` alike: lower case, ё as е, punctuation as spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower().replace("ё", "е")).split())


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # N_-marked, shown translated
    synonyms: tuple[str, ...] = ()  # headers in Russian and English
    multiple: bool = False  # several columns may fill it (phones, e-mails, tags, notes)

    def names(self) -> set[str]:
        return {norm_header(s) for s in (self.key, self.label, *self.synonyms)}


@dataclass(frozen=True)
class Choice:
    """What the user decides for the whole file, e.g. what a row with a known INN does."""

    key: str
    question: str  # N_-marked: "Same INN"
    actions: tuple[tuple[str, str], ...]  # (action, its N_-marked label)
    default: str

    def allows(self, action: str) -> bool:
        return any(action == name for name, _label in self.actions)


def duplicate_choice(key: Field, question: str, labels: dict[str, str]) -> Choice:
    """A duplicate by ``key``: update, skip or create, skipped unless the user says."""
    return Choice(key.key, question, tuple((a, labels[a]) for a in DUPLICATE_ACTIONS), "skip")


@dataclass
class BadRow:
    line: int
    errors: dict[str, str]  # the column (or field) at fault -> the reason, an N_ message
    values: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "errors": self.errors, "values": self.values}


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    bad: list[BadRow] = field(default_factory=list)


class RowInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


Cells = dict[str, list[tuple[str, str]]]  # field key -> [(column header, cell text)]


class Target(Protocol):
    name: str
    label: str
    permission: Permission
    fields: tuple[Field, ...]
    choices: tuple[Choice, ...]  # duplicates and the like, in the order they are checked
    choices_hint: str  # N_-marked: what the choices are about
    needs_one_of: tuple[str, ...]  # a mapping must give at least one of these fields
    created_label: str  # N_-marked counts on the import's page: "Clients created"
    updated_label: str

    async def load_context(
        self, session: AsyncSession, *, actor: User, region: str, currency: str = "RUB"
    ) -> Any:
        """What cleaning needs from the database (lists, users), loaded once per import."""

    def clean_row(self, line: int, cells: Cells, context: Any) -> Any:
        """One row's clean record, or RowInvalid. Pure: it runs in a worker thread."""

    def writer(
        self, session: AsyncSession, *, policy: dict[str, str], actor: User, import_id: int
    ) -> TargetWriter:
        """What stores the records, chunk by chunk, in the caller's transaction."""


class TargetWriter(Protocol):
    # True: ``write`` only gathers and ``finish`` does the work, so even an import that
    # fails gets every chunk, for ``review`` to find the bad rows only the whole file shows
    gathers: bool

    async def write(self, records: list[Any]) -> None:
        """Store a chunk of clean records; duplicates go by the policy."""

    async def review(self) -> list[BadRow]:
        """When the import fails anyway: the bad rows found beyond checking, writing nothing."""

    async def finish(self) -> WriteResult:
        """Finish what needs every chunk (updates gathered across them); the counts."""
