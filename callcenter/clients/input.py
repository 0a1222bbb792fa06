"""What a user submits for a client, and its validation into clean values."""

from __future__ import annotations

from dataclasses import dataclass, field

from callcenter.clients import requisites as rq
from callcenter.clients.exceptions import ClientInvalid
from callcenter.clients.models import CLIENT_KINDS, NOTIFY_BY, PHONE_KINDS
from callcenter.i18n import N_
from callcenter.phones import PhoneError, normalize_email, parse_phone


@dataclass
class PhoneInput:
    number: str
    kind: str = "mobile"


@dataclass
class CleanPhone:
    number: str
    e164: str
    extension: str
    kind: str


@dataclass
class ClientInput:
    kind: str = "person"
    name: str = ""
    company_id: int | None = None
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    legal_address: str = ""
    postal_address: str = ""
    bank_name: str = ""
    bik: str = ""
    corr_account: str = ""
    settlement_account: str = ""
    phones: list[PhoneInput] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    owner_id: int | None = None
    channel_id: int | None = None
    segment_id: int | None = None
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    notify_by: str = ""  # email, sms, both or none; empty: e-mail, the default


@dataclass
class CleanClient:
    """Validated values, ready to store."""

    kind: str
    name: str
    company_id: int | None
    inn: str | None
    kpp: str | None
    ogrn: str | None
    legal_address: str
    postal_address: str
    bank_name: str
    bik: str | None
    corr_account: str | None
    settlement_account: str | None
    phones: list[CleanPhone]
    emails: list[str]
    owner_id: int | None
    channel_id: int | None
    segment_id: int | None
    tags: list[str]
    notes: str
    notify_by: str


def _requisite(errors: dict[str, str], name: str, value: str, check, *args) -> str | None:  # type: ignore[no-untyped-def]
    if not value.strip():
        return None
    try:
        return check(value, *args)
    except rq.RequisiteError as exc:
        errors[name] = str(exc)
        return None


def _bank(errors: dict[str, str], data: ClientInput) -> tuple[str | None, str | None, str | None]:
    bik = _requisite(errors, "bik", data.bik, rq.check_bik)
    accounts = {"corr_account": data.corr_account, "settlement_account": data.settlement_account}
    if bik is None and "bik" not in errors and any(v.strip() for v in accounts.values()):
        errors["bik"] = N_("BIK is needed to check the bank accounts")
    if bik is None:
        return None, None, None
    corr = _requisite(errors, "corr_account", data.corr_account, rq.check_corr_account, bik)
    settle = _requisite(
        errors, "settlement_account", data.settlement_account, rq.check_settlement_account, bik
    )
    return bik, corr, settle


def _phones(errors: dict[str, str], phones: list[PhoneInput], region: str) -> list[CleanPhone]:
    clean: list[CleanPhone] = []
    seen: set[tuple[str, str]] = set()
    for index, phone in enumerate(phones):
        if not phone.number.strip():
            continue
        if phone.kind not in PHONE_KINDS:
            errors[f"phones.{index}"] = N_("Unknown phone kind")
            continue
        try:
            parsed = parse_phone(phone.number, region)
        except PhoneError as exc:
            errors[f"phones.{index}"] = str(exc)
            continue
        if (parsed.e164, parsed.extension) in seen:
            continue
        seen.add((parsed.e164, parsed.extension))
        clean.append(CleanPhone(phone.number.strip(), parsed.e164, parsed.extension, phone.kind))
    return clean


def _emails(errors: dict[str, str], emails: list[str]) -> list[str]:
    clean: list[str] = []
    for index, raw in enumerate(emails):
        if not raw.strip():
            continue
        try:
            email = normalize_email(raw)
        except ValueError:
            errors[f"emails.{index}"] = N_("Not an e-mail address")
            continue
        if email not in clean:
            clean.append(email)
    return clean


def validate_client(data: ClientInput, *, region: str) -> CleanClient:
    """Check every field; raise ClientInvalid with a message per bad field."""
    errors: dict[str, str] = {}
    if data.kind not in CLIENT_KINDS:
        errors["kind"] = N_("A client is a person or a company")
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = N_("Name is required")
    elif len(name) > 300:
        errors["name"] = N_("Name is too long")
    inn = _requisite(errors, "inn", data.inn, rq.check_inn)
    is_company = data.kind == "company"
    kpp = _requisite(errors, "kpp", data.kpp, rq.check_kpp) if is_company else None
    ogrn = _requisite(errors, "ogrn", data.ogrn, rq.check_ogrn)
    bik, corr, settle = _bank(errors, data)
    phones = _phones(errors, data.phones, region)
    emails = _emails(errors, data.emails)
    tags = sorted({" ".join(t.split()).lower()[:60] for t in data.tags if t.strip()})
    notify_by = data.notify_by.strip().lower() or "email"
    if notify_by not in NOTIFY_BY:
        errors["notify_by"] = N_("Notify by e-mail, SMS, both or none")
    if errors:
        raise ClientInvalid(N_("Please correct the marked fields"), fields=errors)
    return CleanClient(
        kind=data.kind,
        name=name,
        company_id=None if is_company else data.company_id,
        inn=inn,
        kpp=kpp,
        ogrn=ogrn,
        legal_address=data.legal_address.strip(),
        postal_address=data.postal_address.strip(),
        bank_name=data.bank_name.strip(),
        bik=bik,
        corr_account=corr,
        settlement_account=settle,
        phones=phones,
        emails=emails,
        owner_id=data.owner_id,
        channel_id=data.channel_id,
        segment_id=data.segment_id,
        tags=tags,
        notes=data.notes.strip(),
        notify_by=notify_by,
    )
