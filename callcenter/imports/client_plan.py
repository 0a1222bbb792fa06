"""Deciding, for each clean row, whether it makes a new client, updates one, or is skipped.

Duplicates are looked up by INN, then phone, then e-mail, against the database (one query)
and against the rows before it in the same file. The first key whose policy is not
``create`` and that matches decides: ``skip`` drops the row, ``update`` merges it into the
client it matches (an earlier row of the file included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.clients.fields import DETAILS
from callcenter.clients.input import CleanClient, CleanPhone
from callcenter.i18n import N_
from callcenter.imports.records import ClientRecord
from callcenter.imports.targets import BadRow

KEY_ORDER = ("inn", "phone", "email")
KEY_LABELS = {"inn": N_("INN"), "phone": N_("Phone"), "email": N_("E-mail")}
Existing = dict[tuple[str, str], list[tuple[int, int | None]]]  # (key, value) -> [(id, owner)]


@dataclass
class Plan:
    new: list[ClientRecord] = field(default_factory=list)
    updates: dict[int, list[ClientRecord]] = field(default_factory=dict)  # client id -> rows
    skipped: int = 0
    bad: list[BadRow] = field(default_factory=list)


def keys_of(client: CleanClient) -> dict[str, list[str]]:
    return {
        "inn": [client.inn] if client.inn else [],
        "phone": [p.e164 for p in client.phones],
        "email": list(client.emails),
    }


def merge_into(
    base: CleanClient, extra: CleanClient, *, owner_given: bool, notify_given: bool = False
) -> None:
    """What ``update`` means: the row's filled fields win; phones, e-mails and tags add up."""
    for name in ("name", *DETAILS, "channel_id", "segment_id"):
        value = getattr(extra, name)
        if value not in (None, ""):
            setattr(base, name, value)
    if owner_given and extra.owner_id is not None:
        base.owner_id = extra.owner_id
    if notify_given:
        base.notify_by = extra.notify_by
    have = {(p.e164, p.extension) for p in base.phones}
    base.phones += [
        CleanPhone(p.number, p.e164, p.extension, p.kind)
        for p in extra.phones
        if (p.e164, p.extension) not in have
    ]
    base.emails += [e for e in extra.emails if e not in base.emails]
    base.tags = sorted(set(base.tags) | set(extra.tags))
    if extra.notes and extra.notes not in base.notes:
        base.notes = "\n\n".join(filter(None, [base.notes, extra.notes]))


def plan_rows(
    records: list[ClientRecord],
    existing: Existing,
    policy: dict[str, str],
    *,
    restricted_to: int | None,
) -> Plan:
    """``restricted_to``: the manager who may update only their own clients, if any."""
    plan = Plan()
    in_file: dict[tuple[str, str], ClientRecord] = {}
    for record in records:
        keys = keys_of(record.client)
        if not _decide(plan, record, keys, existing, in_file, policy, restricted_to):
            plan.new.append(record)
            for key, values in keys.items():
                for value in values:
                    in_file.setdefault((key, value), record)
    return plan


def _decide(
    plan: Plan,
    record: ClientRecord,
    keys: dict[str, list[str]],
    existing: Existing,
    in_file: dict[tuple[str, str], ClientRecord],
    policy: dict[str, str],
    restricted_to: int | None,
) -> bool:
    for key in KEY_ORDER:
        action = policy.get(key, "skip")
        if action == "create" or not keys[key]:
            continue
        earlier = next((in_file[(key, v)] for v in keys[key] if (key, v) in in_file), None)
        found = {match for v in keys[key] for match in existing.get((key, v), [])}
        if earlier is None and not found:
            continue
        if action == "skip":
            plan.skipped += 1
        elif earlier is not None:
            merge_into(
                earlier.client,
                record.client,
                owner_given=record.owner_given,
                notify_given=record.notify_given,
            )
            earlier.partner_id = earlier.partner_id or record.partner_id  # the first wins
            earlier.company_name = record.company_name or earlier.company_name
        elif len(found) > 1:
            ids = ", ".join(f"#{cid}" for cid, _owner in sorted(found))
            plan.bad.append(BadRow(record.line, {KEY_LABELS[key]: N_("matches several clients")}))
            plan.bad[-1].errors[N_("Matching clients")] = ids
        else:
            ((client_id, owner_id),) = found
            if restricted_to is not None and owner_id != restricted_to:
                plan.bad.append(
                    BadRow(
                        record.line, {KEY_LABELS[key]: N_("matches a client of another manager")}
                    )
                )
            else:
                plan.updates.setdefault(client_id, []).append(record)
        return True
    return False
