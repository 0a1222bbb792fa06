"""Putting imported rows together into orders, and deciding what each order becomes.

Rows sharing an order number (or, without one, an external reference) are one order's
lines, wherever they stand in the file. An order whose number the base has is updated,
skipped or made anew by the user's policy; a new order's client is found by INN, then
phone, then e-mail, then name (the first that names exactly one client), or made, skipped
or reported when the base lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callcenter.i18n import N_
from callcenter.imports.order_fields import LINE_ERRORS
from callcenter.imports.records import ClientKeys, ClientRecord, OrderRow
from callcenter.imports.targets import BadRow
from callcenter.orders.input import CleanLine, validate_lines

KEY_ORDER = ("inn", "phone", "email", "name")
Found = dict[tuple[str, str], list[tuple[int, int | None, int | None]]]  # (id, owner, channel)


@dataclass
class OrderGroup:
    rows: list[OrderRow]
    number: str  # the file's number, kept by a new order; "" for a new number
    order_id: int | None = None  # the order in the base to update
    client_id: int | None = None
    client_owner: int | None = None
    client_channel: int | None = None
    new_client: ClientRecord | None = None  # a client to make for this order
    lines: list[CleanLine] = field(default_factory=list)

    @property
    def first(self) -> OrderRow:
        return self.rows[0]

    @property
    def client(self) -> ClientKeys | None:
        """The client as the first row naming one names it."""
        return next((r.client for r in self.rows if r.client.given()), None)

    def given(self, name: str) -> Any:
        """The order's value of ``name``: from the first of its rows that gives it."""
        return next((v for r in self.rows if (v := getattr(r, name)) not in (None, "")), None)

    def bad(self, key: str, message: str) -> list[BadRow]:
        return [BadRow(r.line, {r.columns[key]: message}) for r in self.rows]


@dataclass
class OrderPlan:
    new: list[OrderGroup] = field(default_factory=list)
    updates: list[OrderGroup] = field(default_factory=list)
    skipped: int = 0  # rows
    bad: list[BadRow] = field(default_factory=list)


def group_rows(rows: list[OrderRow]) -> tuple[list[OrderGroup], list[BadRow]]:
    """Orders in the order their first lines come; a line naming another client is bad."""
    groups: dict[str, OrderGroup] = {}
    bad: list[BadRow] = []
    for row in sorted(rows, key=lambda r: r.line):
        group = groups.get(row.group)
        if group is None:
            groups[row.group] = OrderGroup([row], row.number)
        elif group.client and row.client.given() and _conflicts(group.client, row.client):
            message = N_("Another client than on the order's first line")
            bad.append(BadRow(row.line, {row.columns["client"]: message}))
        else:
            group.rows.append(row)
    return list(groups.values()), bad


def _conflicts(first: ClientKeys, other: ClientKeys) -> bool:
    if other.inn and first.inn and other.inn != first.inn:
        return True
    if other.name and first.name and other.name != first.name:
        return True
    for mine, theirs in ((first.phones, other.phones), (first.emails, other.emails)):
        if mine and theirs and not set(mine) & set(theirs):
            return True
    return False


def plan_orders(
    groups: list[OrderGroup], existing: dict[str, int], policy: dict[str, str]
) -> OrderPlan:
    """New orders and updates by the number policy; lines checked as the order form does."""
    plan = OrderPlan()
    action = policy.get("number", "skip")
    for group in groups:
        if group.number in existing:
            if action == "skip":
                plan.skipped += len(group.rows)
                continue
            if action == "update":
                group.order_id = existing[group.number]
            else:
                group.number = ""
        if _check_lines(group, plan):
            (plan.updates if group.order_id else plan.new).append(group)
    return plan


def _check_lines(group: OrderGroup, plan: OrderPlan) -> bool:
    facts = {r.item.product_id: r.facts for r in group.rows if r.facts and r.item.product_id}
    lines, errors = validate_lines([r.item for r in group.rows], facts)
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) == 3:
            row = group.rows[int(parts[1])]
            plan.bad.append(BadRow(row.line, {row.columns[LINE_ERRORS[parts[2]]]: message}))
        else:  # the order as a whole: too many lines, too large a total
            plan.bad += group.bad("product", message)
    group.lines = lines
    return not errors


def place_clients(
    plan: OrderPlan, found: Found, policy: dict[str, str], *, restricted_to: int | None
) -> None:
    """Each new order's client: found in the base, else made, skipped or reported."""
    keep: list[OrderGroup] = []
    for group in plan.new:
        keys = group.client
        if keys is None:
            plan.bad += group.bad("client", N_("Name the client: INN, phone, e-mail or name"))
            continue
        match, several = _match(keys, found)
        if match is not None:
            group.client_id, group.client_owner, group.client_channel = match
            if restricted_to is not None and group.client_owner != restricted_to:
                message = N_("This order's client belongs to another manager")
                plan.bad += group.bad("client", message)
                continue
        elif several:
            plan.bad += group.bad("client", N_("matches several clients"))
            continue
        elif policy.get("client", "bad") == "skip":
            plan.skipped += len(group.rows)
            continue
        elif policy.get("client") == "create" and keys.new is not None:
            group.new_client = keys.new
        elif policy.get("client") == "create":
            plan.bad += [BadRow(r.line, dict(keys.new_errors)) for r in group.rows]
            continue
        else:
            plan.bad += group.bad(
                "client", N_("No such client: none has this INN, phone, e-mail or name")
            )
            continue
        keep.append(group)
    plan.new = keep


def _match(
    keys: ClientKeys, found: Found
) -> tuple[tuple[int, int | None, int | None] | None, bool]:
    """The one client the first telling key names; whether some key named several."""
    several = False
    for key, values in (
        ("inn", [keys.inn] if keys.inn else []),
        ("phone", keys.phones),
        ("email", keys.emails),
        ("name", [keys.name] if keys.name else []),
    ):
        matches = {m for v in values for m in found.get((key, v), [])}
        if len(matches) == 1:
            return matches.pop(), False
        several = several or len(matches) > 1
    return None, several


def wanted_keys(groups: list[OrderGroup]) -> dict[str, list[str]]:
    """Every INN, phone, e-mail and name new orders' clients are looked up by."""
    wanted: dict[str, set[str]] = {key: set() for key in KEY_ORDER}
    for group in groups:
        if (keys := group.client) is None:
            continue
        wanted["inn"].update([keys.inn] if keys.inn else [])
        wanted["phone"].update(keys.phones)
        wanted["email"].update(keys.emails)
        wanted["name"].update([keys.name] if keys.name else [])
    return {key: sorted(values) for key, values in wanted.items()}


def shared_new_clients(groups: list[OrderGroup]) -> list[ClientRecord]:
    """The clients to make, once each though several orders of the file name them."""
    made: dict[tuple[str, str], ClientRecord] = {}
    unique: list[ClientRecord] = []
    for group in groups:
        if group.new_client is None or (keys := group.client) is None:
            continue
        names = [("inn", keys.inn), *(("phone", p) for p in keys.phones)]
        names += [*(("email", e) for e in keys.emails), ("name", keys.name)]
        names = [(k, v) for k, v in names if v]
        same = next((made[n] for n in names if n in made), None)
        if same is None:
            same = group.new_client
            unique.append(same)
        for name in names:
            made.setdefault(name, same)
        group.new_client = same
    return unique
