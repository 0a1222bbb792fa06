"""Reading HTML form posts and JSON bodies into domain inputs."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from multidict import MultiDictProxy

from callcenter.clients.fields import REFERENCES, TEXTS
from callcenter.clients.input import ClientInput, PhoneInput
from callcenter.i18n import N_
from callcenter.orders.input import LineInput, OrderInput
from callcenter.orders.models import Order
from web.values import int_field, ref


def form_bool(form: MultiDictProxy[Any], name: str) -> bool:
    return str(form.get(name, "")).lower() in ("1", "on", "true", "yes")


def client_input_from_form(form: MultiDictProxy[Any]) -> ClientInput:
    """Phones come as parallel ``phone_number``/``phone_kind`` lists, tags comma-separated."""
    numbers = [str(v) for v in form.getall("phone_number", [])]
    kinds = [str(v) for v in form.getall("phone_kind", [])]
    phones = [
        PhoneInput(n, kinds[i] if i < len(kinds) else "mobile") for i, n in enumerate(numbers)
    ]
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in TEXTS}
    values.update({name: int_field(form, name) for name in REFERENCES})
    return ClientInput(
        **values,
        phones=phones,
        emails=[str(v) for v in form.getall("email", [])],
        tags=[t.strip() for t in str(form.get("tags", "")).split(",") if t.strip()],
    )


class BadJson(ValueError):
    pass


def client_input_from_json(body: Any, base: ClientInput | None = None) -> ClientInput:
    """A JSON client (as the API gives it) into an input; absent keys keep ``base``'s values."""
    if not isinstance(body, dict):
        raise BadJson(N_("The body must be a JSON object"))
    data = base or ClientInput()
    for name in TEXTS:
        if name in body:
            setattr(data, name, "" if body[name] is None else str(body[name]))
    for name in REFERENCES:
        key = name.removesuffix("_id") if name in ("owner_id", "channel_id", "segment_id") else name
        value = body.get(name, body.get(key, ...))
        if value is not ...:
            setattr(data, name, ref(value, name))
    if "phones" in body:
        data.phones = [_phone(p) for p in _list(body["phones"], "phones")]
    if "emails" in body:
        data.emails = [str(e) for e in _list(body["emails"], "emails")]
    if "tags" in body:
        data.tags = [str(t) for t in _list(body["tags"], "tags")]
    return data


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise BadJson(N_("phones, emails and tags must be lists"))
    return value


def _phone(value: Any) -> PhoneInput:
    if isinstance(value, str):
        return PhoneInput(value)
    if isinstance(value, dict) and isinstance(value.get("number"), str):
        return PhoneInput(value["number"], str(value.get("kind") or "mobile"))
    raise BadJson(N_("A phone is a string or {number, kind}"))


def order_to_input(order: Order, timezone: str) -> OrderInput:
    due = (
        order.stage_due_at.astimezone(ZoneInfo(timezone)).date().isoformat()
        if order.stage_due_at
        else ""
    )
    return OrderInput(
        client_id=order.client_id,
        manager_id=order.manager_id,
        channel_id=order.channel_id,
        notes=order.notes,
        stage_due=due,
        lines=[
            LineInput(
                product_id=line.product_id,
                description=line.description,
                quantity=f"{line.quantity.normalize():f}",
                price=f"{line.price:f}",
                discount_percent=f"{line.discount_percent.normalize():f}",
                unit_code=line.unit_code,
                vat_rate=line.vat_rate,
            )
            for line in order.lines
        ],
    )
