"""The request's language for templates and messages, and Jinja filters that follow it."""

from __future__ import annotations

import contextlib
import contextvars
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_time, get_day_names
from markupsafe import Markup

from callcenter import i18n
from callcenter.audit.names import REFERENCE_FIELDS
from callcenter.dialer.idle import Idle
from callcenter.i18n import N_
from callcenter.invoices.terms import HISTORY_LABELS
from callcenter.phones import HIDDEN_NUMBER, display_phone, is_hidden_number
from callcenter.tasks.callbacks import CALLBACK_TITLE, callback_number
from callcenter.users.exceptions import NO_EXTENSION

LANGUAGE: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="ru")
TIMEZONE: contextvars.ContextVar[str] = contextvars.ContextVar("timezone", default="Europe/Moscow")
REGION: contextvars.ContextVar[str] = contextvars.ContextVar("region", default="RU")


def gettext(message: str) -> str:
    return i18n.translations(LANGUAGE.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(LANGUAGE.get()).ngettext(singular, plural, n)


def today() -> date:
    """Today where the user is: an invoice issued at 01:00 in Moscow is dated that day."""
    return datetime.now(ZoneInfo(TIMEZONE.get())).date()


def _number(value: int | float | Decimal) -> str:
    return i18n.format_number(value, LANGUAGE.get())


def _money(value: Decimal, currency: str = "RUB") -> str:
    return i18n.format_money(value, currency, LANGUAGE.get())


def _when(value: datetime | None, fmt: str = "short") -> str:
    return i18n.format_when(value, LANGUAGE.get(), TIMEZONE.get(), fmt)


def moment(value: datetime | None) -> str:
    """A recent moment as a clock reads it: its time today ("09:30"), its day and time on
    another day (a tile's "recalculated at", never a timestamp with seconds)."""
    if value is None:
        return ""
    zone = ZoneInfo(TIMEZONE.get())
    local = value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=UTC).astimezone(zone)
    if local.date() == datetime.now(zone).date():
        return format_time(local, "short", locale=i18n.babel_locale(LANGUAGE.get()))
    return _when(value, "short")


def moment_with_seconds(value: datetime | None) -> str:
    """A moment to the second, its day and time in the user's zone (a call's timeline)."""
    return _when(value, "medium")


def time_of_day(value: datetime | None) -> str:
    """A moment's time to the second in the user's zone ("17:44:03"), no day."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(TIMEZONE.get())) if value.tzinfo else value
    return format_time(local, "medium", locale=i18n.babel_locale(LANGUAGE.get()))


def _day(value: date | None, fmt: str = "medium") -> str:
    """A calendar date (no time, no time zone) in the user's language."""
    if value is None:
        return ""
    return format_date(value, fmt, locale=i18n.babel_locale(LANGUAGE.get()))


def day_range(first: date | None, last: date | None) -> str:
    """Days from ``first`` to ``last``, either end open as people say it: "from 2 Mar",
    "until 9 Mar", "any date"; never "… — …"."""
    if first and last:
        return f"{_day(first)} – {_day(last)}"
    if first:
        return gettext("from %(day)s") % {"day": _day(first)}
    if last:
        return gettext("until %(day)s") % {"day": _day(last)}
    return gettext("any date")


def idle_text(idle: Idle | None) -> str:
    """Why a campaign is not dialing, in the reader's words; a wait ends at a time in their
    format (with the date when it is not today where they are); "" while it dials."""
    if idle is None:
        return ""
    until = ""
    if idle.until is not None:
        zone = ZoneInfo(TIMEZONE.get())
        same_day = idle.until.astimezone(zone).date() == datetime.now(zone).date()
        if same_day:
            until = i18n.format_clock(idle.until, LANGUAGE.get(), TIMEZONE.get())
        else:
            until = i18n.format_when(idle.until, LANGUAGE.get(), TIMEZONE.get())
    return gettext(idle.message) % {"until": until}


def money_text(value: Decimal, currency: str = "RUB") -> str:
    """What the ``money`` filter shows, for documents drawn outside templates (PDFs, JSON)."""
    return _money(value, currency)


def day_text(value: date) -> str:
    """What the ``day`` filter shows, for documents drawn outside templates (PDFs)."""
    return _day(value)


def _phone(e164: str, extension: str = "") -> str:
    return display_phone(e164, extension, REGION.get())


def _dial(number: str, extension: str = "") -> Markup:
    """A phone number as a click-to-call link (app.js dials it; ctrl-click keeps tel:); a
    withheld one says so."""
    if number and is_hidden_number(number):
        return Markup.escape(gettext(HIDDEN_NUMBER))
    if not number or not number.startswith("+"):
        return Markup.escape(number or "")
    return Markup('<a href="tel:{0}" class="phone" data-phone="{0}">{1}</a>').format(
        number, _phone(number, extension)
    )


def caller_text(raw: str, region: str | None = None) -> str:
    """A caller's number as people read it, "hidden number" when withheld or absent."""
    if is_hidden_number(raw):
        return gettext(HIDDEN_NUMBER)
    return display_phone(raw, "", region or REGION.get()) if raw.startswith("+") else raw


def _caller(raw: str) -> Markup:
    """A caller (in a queue, on the wallboard): a click-to-call link, or "hidden number"."""
    return Markup.escape(gettext(HIDDEN_NUMBER)) if is_hidden_number(raw) else _dial(raw)


def clock(seconds: float | None) -> str:
    """A duration as a clock reads it: 0:07, 12:34, 1:02:03 (the wallboard's time in state)."""
    if seconds is None:
        return "—"
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _task_title(title: str) -> str:
    """A task's title as the reader reads it: a missed call's callback in their language,
    with the number formatted (it is stored as ``Call back +7…``)."""
    number = callback_number(title)
    if number is None:
        return title
    return gettext(CALLBACK_TITLE) % {"number": _phone(number)}


# a client's kind as the card names it (the audit trail stores the code)
_KIND_WORDS = {"company": "Company", "person": "Person"}
# fields whose values are codes with a word in the catalog (a task's kind, a campaign's mode)
_CODE_FIELDS = ("kind", "status", "state", "mode", "outcome", "role", "direction", "vat_mode")
_MONEY_FIELDS = ("total", "amount", "price", "paid_amount")
_PHONE_FIELDS = ("phone", "do_not_call")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_ISO_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_ORDER_LINE = re.compile(r"^(?P<what>.*) × (?P<qty>[0-9.]+) = (?P<amount>-?[0-9]+(\.[0-9]+)?)$")
_PHONE_ENTRY = re.compile(r"^(?P<e164>\+\d+)(?: x(?P<ext>\S+))? \((?P<kind>\w+)\)$")
_PHONE_NOTE = re.compile(r"^(?P<e164>\+\d{6,15})(?: (?P<note>.*))?$")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (ArithmeticError, ValueError):
        return None
    return value if value.is_finite() else None


def _audit_item(field: str, value: object, names: dict[str, dict[int, str]]) -> str:
    """One value (or one element of a list) of ``field`` as the user reads it."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in REFERENCE_FIELDS and isinstance(value, int):
        return names.get(REFERENCE_FIELDS[field], {}).get(value) or f"#{value}"
    if field == "weekdays" and isinstance(value, int) and 1 <= value <= 7:
        return get_day_names("abbreviated", locale=i18n.babel_locale(LANGUAGE.get()))[value - 1]
    if isinstance(value, int | float):
        return _figure(field, value)
    if isinstance(value, dict):
        return _audit_mapping(value)
    return _audit_string(field, str(value))


def _figure(field: str, value: int | float | Decimal) -> str:
    """A number as the form asks for it: seconds and percents with their unit."""
    if field.endswith("_seconds"):
        return gettext("%(seconds)s s") % {"seconds": _number(value)}
    if field.endswith("_percent"):
        return f"{_number(value)}\xa0%"
    return _number(value)


def _audit_mapping(value: dict[Any, Any]) -> str:
    """A structured value (a disposition, retry rules): its name when it has one, else each
    key (a code, translated) with its value."""
    for key in ("label", "name", "title"):
        if isinstance(value.get(key), str) and value[key]:
            return value[key]
    parts = []
    for key, inner in value.items():
        shown = (
            _audit_mapping(inner) if isinstance(inner, dict) else _audit_item(str(key), inner, {})
        )
        parts.append(f"{gettext(str(key).replace('_', ' '))}: {shown}")
    return "; ".join(parts)


def _audit_string(field: str, text: str) -> str:
    if field == "kind" and text in _KIND_WORDS:
        return gettext(_KIND_WORDS[text])
    if field in _CODE_FIELDS and (word := gettext(text)) != text:
        return word
    if field in _MONEY_FIELDS and (amount := _decimal(text)) is not None:
        return _money(amount)
    if field == "lines" and (line := _ORDER_LINE.match(text)):
        qty, amount = _decimal(line["qty"]), _decimal(line["amount"])
        if qty is not None and amount is not None:
            return f"{line['what']} × {_number(qty)} = {_money(amount)}"
    if field == "phones" and (phone := _PHONE_ENTRY.match(text)):
        return f"{_phone(phone['e164'], phone['ext'] or '')} ({gettext(phone['kind'])})"
    if field in _PHONE_FIELDS and (number := _PHONE_NOTE.match(text)):
        return " ".join(filter(None, (_phone(number["e164"]), number["note"])))
    if _DECIMAL.match(text) and (figure := _decimal(text)) is not None:
        return _figure(field, figure)
    return _audit_moment(text)


def _audit_moment(text: str) -> str:
    """A day, a moment or a time of day in the user's format; any other text as it is."""
    if _ISO_DAY.match(text):
        with contextlib.suppress(ValueError):
            return _day(date.fromisoformat(text))
    if _ISO_MOMENT.match(text):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return _when(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if _ISO_TIME.match(text):
        with contextlib.suppress(ValueError):
            return format_time(
                time.fromisoformat(text), "short", locale=i18n.babel_locale(LANGUAGE.get())
            )
    return text


def audit_text(field: str, value: object, names: dict[str, dict[int, str]] | None = None) -> str:
    """A value from the audit trail as people read it, in their language: a client's kind as
    a word, an owner's name instead of an id, money and dates in the user's format, lists
    joined; nothing (None, empty) as a dash."""
    if value in (None, "", []):
        return "—"
    items = value if isinstance(value, list) else [value]
    return ", ".join(_audit_item(field, item, names or {}) for item in items)


# the audit trail stores a field's column name; these are the words the forms use for it
_FIELD_WORDS = {
    "kind": N_("Type"),
    "name": N_("Name"),
    "owner_id": N_("Owner"),
    "manager_id": N_("Manager"),
    "channel_id": N_("Channel"),
    "segment_id": N_("Segment"),
    "company_id": N_("Company"),
    "total": N_("Total"),
    "lines": N_("Lines"),
    "notes": N_("Notes"),
    "phones": N_("Phones"),
    "emails": N_("E-mail"),
    "tags": N_("Tags"),
    "inn": N_("INN"),
    "kpp": N_("KPP"),
    "ogrn": N_("OGRN"),
    "legal_address": N_("Legal address"),
    "postal_address": N_("Postal address"),
    "bank_name": N_("Bank"),
    "bik": N_("BIK"),
    "corr_account": N_("Correspondent account"),
    "settlement_account": N_("Settlement account"),
    "assignee_id": N_("Assignee"),
    "agent_ids": N_("Agents"),
    "client_id": N_("Client"),
    **{field: HISTORY_LABELS[field] for field in ("to", "number", "amount", "paid_on", "reason")},
}


def audit_field(field: str) -> str:
    """A field of the audit trail by the word its form uses; one without a word of its own
    is its catalog entry, or its name made readable (``stage_due_at`` -> "stage due at")."""
    if field in _FIELD_WORDS:
        return gettext(_FIELD_WORDS[field])
    translated = gettext(field)
    if translated != field:
        return translated
    return field.removesuffix("_id").replace("_", " ")


def install(env: jinja2.Environment) -> None:
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=_number,
        money=_money,
        when=_when,
        phone=_phone,
        dial=_dial,
        caller=_caller,
        clock=clock,
        day=_day,
        day_range=day_range,
        moment=moment,
        time_of_day=time_of_day,
        t=gettext,
        task_title=_task_title,
        audit_text=audit_text,
        audit_field=audit_field,
        idle=idle_text,
    )
    env.globals.update(
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        current_language=LANGUAGE.get,
        NO_EXTENSION=NO_EXTENSION,
    )
