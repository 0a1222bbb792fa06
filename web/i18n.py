"""The request's language for templates and messages, and Jinja filters that follow it."""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date
from markupsafe import Markup

from callcenter import i18n
from callcenter.phones import display_phone
from callcenter.tasks.callbacks import CALLBACK_TITLE, callback_number

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


def _day(value: date | None, fmt: str = "medium") -> str:
    """A calendar date (no time, no time zone) in the user's language."""
    if value is None:
        return ""
    return format_date(value, fmt, locale=i18n.babel_locale(LANGUAGE.get()))


def money_text(value: Decimal) -> str:
    """What the ``money`` filter shows, for documents drawn outside templates (PDFs)."""
    return _money(value)


def day_text(value: date) -> str:
    """What the ``day`` filter shows, for documents drawn outside templates (PDFs)."""
    return _day(value)


def _phone(e164: str, extension: str = "") -> str:
    return display_phone(e164, extension, REGION.get())


def _dial(number: str, extension: str = "") -> Markup:
    """A phone number as a click-to-call link (app.js dials it; ctrl-click keeps tel:)."""
    if not number or not number.startswith("+"):
        return Markup.escape(number or "")
    return Markup('<a href="tel:{0}" class="phone" data-phone="{0}">{1}</a>').format(
        number, _phone(number, extension)
    )


def _task_title(title: str) -> str:
    """A task's title as the reader reads it: a missed call's callback in their language,
    with the number formatted (it is stored as ``Call back +7…``)."""
    number = callback_number(title)
    if number is None:
        return title
    return gettext(CALLBACK_TITLE) % {"number": _phone(number)}


def _audit_value(value: object) -> str:
    """A value from the audit trail as people read it: lists joined, not Python reprs."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def install(env: jinja2.Environment) -> None:
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=_number,
        money=_money,
        when=_when,
        phone=_phone,
        dial=_dial,
        day=_day,
        t=gettext,
        audit_value=_audit_value,
        task_title=_task_title,
    )
    env.globals.update(LANGUAGE_NAMES=i18n.LANGUAGE_NAMES, current_language=LANGUAGE.get)
