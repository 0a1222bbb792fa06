"""Importing clients: their fields as headers name them, and one row into a clean client.

Rows are checked by the clients' own ``validate_client``: an imported client obeys exactly
the rules of one typed in a form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.fields import DETAILS
from callcenter.clients.input import ClientInput, PhoneInput, validate_client
from callcenter.clients.models import Channel, Segment
from callcenter.i18n import LANGUAGE_NAMES, N_, translations
from callcenter.imports.client_partners import (
    PartnerCodes,
    clean_partner_code,
    load_partner_codes,
)
from callcenter.imports.client_writer import ClientWriter
from callcenter.imports.records import ClientRecord
from callcenter.imports.targets import (
    Cells,
    Choice,
    Field,
    RowInvalid,
    duplicate_choice,
    norm_header,
)
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role

PHONE_FIELDS = {"phone": "mobile", "work_phone": "work", "home_phone": "home", "fax": "fax"}
FIELDS = (
    Field("kind", N_("Person or company"), ("Тип", "Вид", "Тип клиента", "type", "client type")),
    Field(
        "name",
        N_("Name"),
        ("ФИО", "Имя", "Наименование", "Название", "Клиент", "Контакт", "Контактное лицо")
        + ("Full name", "Client", "Contact", "Customer"),
    ),
    Field("company", N_("Company"), ("Компания", "Организация", "Фирма", "Organization")),
    Field(
        "phone",
        N_("Phone"),
        ("Телефон", "Тел", "Моб", "Мобильный", "Моб. телефон", "Мобильный телефон", "Сотовый")
        + ("Phone number", "Mobile", "Telephone", "Tel", "Cell"),
        multiple=True,
    ),
    Field("work_phone", N_("Work phone"), ("Рабочий телефон", "Раб. телефон"), multiple=True),
    Field("home_phone", N_("Home phone"), ("Домашний телефон", "Дом. телефон"), multiple=True),
    Field("fax", N_("Fax"), ("Факс",), multiple=True),
    Field(
        "email",
        N_("E-mail"),
        ("Email", "Эл. почта", "Электронная почта", "Почта", "Емейл", "Mail"),
        multiple=True,
    ),
    Field("inn", N_("INN"), ("ИНН", "TIN")),
    Field("kpp", N_("KPP"), ("КПП",)),
    Field("ogrn", N_("OGRN"), ("ОГРН", "ОГРНИП", "OGRNIP")),
    Field(
        "legal_address", N_("Legal address"), ("Адрес", "Юридический адрес", "Юр. адрес", "Address")
    ),
    Field(
        "postal_address",
        N_("Postal address"),
        ("Почтовый адрес", "Фактический адрес", "Адрес доставки", "Mailing address"),
    ),
    Field("bank_name", N_("Bank"), ("Банк", "Bank name")),
    Field("bik", N_("BIK"), ("БИК", "BIC")),
    Field("corr_account", N_("Correspondent account"), ("Корр. счёт", "Кор. счёт", "к/с", "кс")),
    Field("settlement_account", N_("Settlement account"), ("Расчётный счёт", "р/с", "рс")),
    Field("owner", N_("Owner"), ("Ответственный", "Менеджер", "Владелец", "Manager")),
    Field(
        "channel",
        N_("Channel"),
        ("Канал", "Канал привлечения", "Источник", "Source", "Acquisition channel"),
    ),
    Field("segment", N_("Segment"), ("Сегмент",)),
    Field(
        "partner_code",
        N_("Partner's code"),
        ("Код партнёра", "Партнёр", "Реферальный код", "Partner", "Partner code", "Referral code"),
    ),
    Field("tags", N_("Tags"), ("Теги", "Метки", "Тег", "Tag", "Labels"), multiple=True),
    Field(
        "notify_by",
        N_("Order notifications"),
        ("Уведомления", "Уведомлять", "Способ уведомления", "Уведомления о заказах", "Оповещения")
        + ("Notify by", "Notifications", "Notify"),
    ),
    Field(
        "notes",
        N_("Notes"),
        ("Примечание", "Примечания", "Комментарий", "Заметки", "Описание", "Comment", "Note"),
        multiple=True,
    ),
)
KEYS = (
    Field("inn", N_("INN")),
    Field("phone", N_("Phone")),
    Field("email", N_("E-mail")),
)
ACTION_LABELS = {
    "update": N_("update the client"),
    "skip": N_("skip the row"),
    "create": N_("create another client"),
}
CHOICES = (
    duplicate_choice(KEYS[0], N_("Same INN"), ACTION_LABELS),
    duplicate_choice(KEYS[1], N_("Same phone"), ACTION_LABELS),
    duplicate_choice(KEYS[2], N_("Same e-mail"), ACTION_LABELS),
)
# The client type's words, as people type them and as the UI itself names the two kinds in
# either language (``ui_kind_words``); KIND_HELP lists them in the error of a row that fits
# neither, and a test holds the two together.
PERSON_WORDS = {"person", "contact", "individual", "private person", "человек", "контакт"}
PERSON_WORDS |= {"физ", "физлицо", "физ лицо", "физическое лицо", "фл", "частное лицо"}
COMPANY_WORDS = {"company", "organization", "organisation", "business", "компания", "организация"}
COMPANY_WORDS |= {"юр", "юрлицо", "юр лицо", "юридическое лицо", "юл", "ип"}
KIND_HELP = N_(
    "The client type is a person (person, contact, individual, человек, контакт, физлицо, "
    "физическое лицо, частное лицо, ФЛ) or a company (company, organization, business, "
    "компания, организация, юрлицо, юридическое лицо, ЮЛ, ИП)"
)
LEGAL_FORMS = re.compile(r"^(ооо|оао|зао|пао|ао|ип|нко|ано|гуп|муп|фгуп|llc|ltd|inc)\b", re.I)
# how a file says a client hears of their orders (norm_header'd)
NOTIFY_WORDS = {
    "email": {"email", "e mail", "mail", "почта", "эл почта", "электронная почта", "емейл"},
    "sms": {"sms", "смс", "text", "текст", "sms only", "только смс"},
    "both": {"both", "оба", "email и sms", "email sms", "e mail sms", "email and sms"},
    "none": {"none", "no", "нет", "никак", "не уведомлять", "не надо"},
}
NOTIFY_WORDS["both"] |= {"почта и смс", "e mail и sms", "e mail and sms", "все"}
# Excel drops leading zeros of numbers: a requisite one digit short gets its zero back
PADDED = {"inn": (9, 11), "kpp": (8,), "bik": (8,), "corr_account": (19,)}
PADDED["settlement_account"] = (19,)


@dataclass
class ClientContext:
    region: str
    actor_id: int
    owner_fixed: bool  # a manager who sees only their own clients imports only for themselves
    owners: dict[str, int]  # login or full name, lower case -> user id
    channels: dict[str, int]
    segments: dict[str, int]
    partners: PartnerCodes


def _text(cells: Cells, key: str, sep: str = " ") -> str:
    return sep.join(t for _header, t in cells.get(key, []) if t).strip()


def _header(cells: Cells, key: str, fallback: str) -> str:
    found = cells.get(key)
    return found[0][0] if found else fallback


def _padded(key: str, value: str) -> str:
    digits = value.strip()
    if digits.isascii() and digits.isdigit() and len(digits) in PADDED.get(key, ()):
        return "0" + digits
    return value


@cache
def ui_kind_words() -> dict[str, str]:
    """What the UI calls the two kinds, in every language it speaks (normalized): a file
    exported or typed after the screen's own words reads back."""
    words = {}
    for language in LANGUAGE_NAMES:
        catalog = translations(language)
        for kind, labels in (("person", ("Person", "person")), ("company", ("Company", "company"))):
            for label in labels:
                words[norm_header(catalog.gettext(label))] = kind
    return words


def _kind(cells: Cells, name: str, company: str, inn: str, kpp: str) -> str | None:
    given = norm_header(_text(cells, "kind"))
    if given:
        if given in PERSON_WORDS:
            return "person"
        return "company" if given in COMPANY_WORDS else ui_kind_words().get(given)
    if (company and not name) or kpp or len(re.sub(r"\D", "", inn)) == 10:
        return "company"
    return "company" if LEGAL_FORMS.match(name) else "person"


def _phones(cells: Cells) -> tuple[list[PhoneInput], list[str]]:
    phones, headers = [], []
    for key, kind in PHONE_FIELDS.items():
        for header, text in cells.get(key, []):
            for number in re.split(r"[;,]\s*(?=[+\d(])", text):
                phones.append(PhoneInput(number, kind))
                headers.append(header)
    return phones, headers


def _lookup(found: dict[str, int], text: str, errors: dict[str, str], where: str, msg: str):  # type: ignore[no-untyped-def]
    if not text:
        return None
    ref = found.get(" ".join(text.lower().split()))
    if ref is None:
        errors[where] = msg
    return ref


def _notify_by(text: str, errors: dict[str, str]) -> str:
    """``email``, ``sms``, ``both`` or ``none`` from the file's words; "" when it says none."""
    said = norm_header(text)
    if not said:
        return ""
    for value, words in NOTIFY_WORDS.items():
        if said in words:
            return value
    errors["notify_by"] = N_("Notify by e-mail, SMS, both or none")
    return ""


class ClientsTarget:
    name: str = "clients"
    label: str = N_("Clients")
    permission: Permission = Permission.CLIENTS_IMPORT
    fields: tuple[Field, ...] = FIELDS
    choices: tuple[Choice, ...] = CHOICES
    choices_hint: str = N_(
        "When a row has the INN, a phone or an e-mail of a client already in the base (or of"
        " an earlier row of the file), what should happen? Checked in this order: INN, phone,"
        " e-mail."
    )
    needs_one_of: tuple[str, ...] = ("name", "company")
    created_label: str = N_("Clients created")
    updated_label: str = N_("Clients updated")

    async def load_context(
        self, session: AsyncSession, *, actor: User, region: str, currency: str = "RUB"
    ) -> Any:
        users = await session.scalars(
            select(User).where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
        )
        owners: dict[str, int] = {}
        for user in users:
            owners[user.login.lower()] = user.id
            if user.full_name:
                owners.setdefault(" ".join(user.full_name.lower().split()), user.id)
        lists = {}
        for model in (Channel, Segment):
            rows = await session.execute(select(model.name, model.id).where(model.active))
            lists[model] = {" ".join(name.lower().split()): ref for name, ref in rows}
        return ClientContext(
            region=region,
            actor_id=actor.id,
            owner_fixed=actor.role == Role.MANAGER and not actor.sees_all_clients,
            owners=owners,
            channels=lists[Channel],
            segments=lists[Segment],
            partners=await load_partner_codes(session, actor),
        )

    def clean_row(self, line: int, cells: Cells, context: Any) -> ClientRecord:
        ctx: ClientContext = context
        errors: dict[str, str] = {}
        name, company = _text(cells, "name"), _text(cells, "company")
        values: dict[str, Any] = {key: _padded(key, _text(cells, key)) for key in DETAILS}
        kind = _kind(cells, name, company, values["inn"], values["kpp"])
        if kind is None:
            errors["kind"] = KIND_HELP
        if kind == "company" and not name:
            name, company = company, ""
        phones, phone_headers = _phones(cells)
        emails = [e for _h, t in cells.get("email", []) for e in re.split(r"[,;\s]+", t) if e]
        owner = _lookup(ctx.owners, _text(cells, "owner"), errors, "owner", N_("No such user"))
        data = ClientInput(
            kind=kind or "person",
            name=name,
            **values,
            phones=phones,
            emails=emails,
            owner_id=ctx.actor_id if ctx.owner_fixed or owner is None else owner,
            channel_id=_lookup(
                ctx.channels, _text(cells, "channel"), errors, "channel", N_("No such channel")
            ),
            segment_id=_lookup(
                ctx.segments, _text(cells, "segment"), errors, "segment", N_("No such segment")
            ),
            tags=[t for t in re.split(r"[,;]", _text(cells, "tags", ",")) if t.strip()],
            notes=_text(cells, "notes", "\n"),
        )
        notify_by = _notify_by(_text(cells, "notify_by"), errors)
        data.notify_by = notify_by
        partner_id = clean_partner_code(_text(cells, "partner_code"), ctx.partners, errors)
        try:
            clean = validate_client(data, region=ctx.region)
        except ClientInvalid as exc:
            errors.update(exc.fields)
        if errors:
            raise RowInvalid(_by_column(errors, cells, phone_headers))
        company_name = company if kind == "person" else ""
        owner_given = owner is not None and not ctx.owner_fixed
        return ClientRecord(
            line,
            clean,
            company_name,
            owner_given,
            notify_given=bool(notify_by),
            partner_id=partner_id,
        )

    def writer(
        self, session: AsyncSession, *, policy: dict[str, str], actor: User, import_id: int
    ) -> ClientWriter:
        return ClientWriter(session, policy=policy, actor=actor, import_id=import_id)


def _by_column(errors: dict[str, str], cells: Cells, phone_headers: list[str]) -> dict[str, str]:
    """``phones.1`` and ``inn`` as the user's own column headers."""
    labels = {f.key: f.label for f in FIELDS}
    found: dict[str, str] = {}
    for key, message in errors.items():
        base, _, index = key.partition(".")
        if base == "phones" and index.isdigit() and int(index) < len(phone_headers):
            column = phone_headers[int(index)]
        elif base == "emails":
            column = _header(cells, "email", labels["email"])
        else:
            column = _header(cells, base, labels.get(base, base))
        found.setdefault(column, message)
    return found
