"""A client's own fields, grouped by what they hold: the one list forms, the API, imports,
merging and the audit trail all read (phones, e-mails and tags are lists of their own)."""

from __future__ import annotations

# requisites (INN, KPP, OGRN, bank details) and addresses: texts, empty when not known
DETAILS = (
    "inn",
    "kpp",
    "ogrn",
    "legal_address",
    "postal_address",
    "bank_name",
    "bik",
    "corr_account",
    "settlement_account",
)
# ids of other rows: the company a person works at, the owner, the channel, the segment
REFERENCES = ("company_id", "owner_id", "channel_id", "segment_id")
# what a form or a JSON body gives as text
TEXTS = ("kind", "name", *DETAILS, "notes", "notify_by")
# every column of the client itself, in the order the audit trail and COPY use
SCALARS = (
    "kind",
    "name",
    "company_id",
    *DETAILS,
    "owner_id",
    "channel_id",
    "segment_id",
    "notes",
    "notify_by",
)
# what a new client has unless told otherwise: its creation's history does not list it
DEFAULTS = {"notify_by": "email"}
