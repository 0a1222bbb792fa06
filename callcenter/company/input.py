"""What an admin types for the company's profile, and its validation into clean values."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from callcenter.clients import requisites as rq
from callcenter.company.models import COMPANY_KINDS, VAT_MODES
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.phones import PhoneError, parse_phone


class CompanyInvalid(Invalid):
    id = "company_invalid"


@dataclass
class CompanyInput:
    kind: str = "company"
    legal_name: str = ""
    short_name: str = ""
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    address: str = ""
    phone: str = ""
    bank_name: str = ""
    bik: str = ""
    corr_account: str = ""
    settlement_account: str = ""
    director: str = ""
    accountant: str = ""
    vat_mode: str = "included"
    vat_exempt_reason: str = ""


TEXT_FIELDS = tuple(CompanyInput.__dataclass_fields__)
REQUIRED = {
    "legal_name": N_("Legal name is required"),
    "inn": N_("INN is required"),
    "bank_name": N_("Bank name is required"),
    "bik": N_("BIK is required"),
    "corr_account": N_("Correspondent account is required"),
    "settlement_account": N_("Settlement account is required"),
}


def _check(errors: dict[str, str], name: str, value: str, check, *args) -> str | None:  # type: ignore[no-untyped-def]
    if not value.strip():
        return None
    try:
        return check(value, *args)
    except rq.RequisiteError as exc:
        errors[name] = str(exc)
        return None


def _identity(errors: dict[str, str], data: CompanyInput, clean: dict[str, str | None]) -> None:
    """INN, KPP and OGRN, whose lengths depend on whether the seller is an ИП."""
    sole = data.kind == "sole_trader"
    inn = _check(errors, "inn", data.inn, rq.check_inn)
    if inn and len(inn) != (12 if sole else 10):
        errors["inn"] = (
            N_("A sole trader's INN has 12 digits") if sole else N_("A company's INN has 10 digits")
        )
    kpp = None if sole else _check(errors, "kpp", data.kpp, rq.check_kpp)
    if not sole and not data.kpp.strip():
        errors["kpp"] = N_("A company needs a KPP")
    ogrn = _check(errors, "ogrn", data.ogrn, rq.check_ogrn)
    if ogrn and len(ogrn) != (15 if sole else 13):
        errors["ogrn"] = (
            N_("A sole trader has a 15-digit OGRNIP") if sole else N_("OGRN has 13 digits")
        )
    clean.update(inn=inn, kpp=kpp, ogrn=ogrn)


def _bank(errors: dict[str, str], data: CompanyInput, clean: dict[str, str | None]) -> None:
    bik = _check(errors, "bik", data.bik, rq.check_bik)
    corr = settle = None
    if bik:
        corr = _check(errors, "corr_account", data.corr_account, rq.check_corr_account, bik)
        settle = _check(
            errors, "settlement_account", data.settlement_account, rq.check_settlement_account, bik
        )
    clean.update(bik=bik, corr_account=corr, settlement_account=settle)


def validate_company(data: CompanyInput, *, region: str) -> dict[str, str | None]:
    """Check every field; return the clean values or raise CompanyInvalid, a message per field."""
    errors: dict[str, str] = {}
    if data.kind not in COMPANY_KINDS:
        errors["kind"] = N_("The seller is a company or a sole trader")
    if data.vat_mode not in VAT_MODES:
        errors["vat_mode"] = N_("Choose how VAT is charged")
    elif data.vat_mode == "none" and not data.vat_exempt_reason.strip():
        errors["vat_exempt_reason"] = N_("Say why no VAT is charged, e.g. the simplified system")
    clean: dict[str, str | None] = {
        name: " ".join(str(value).split()) for name, value in asdict(data).items()
    }
    _identity(errors, data, clean)
    _bank(errors, data, clean)
    if data.phone.strip():
        try:
            parse_phone(data.phone, region)
        except PhoneError as exc:
            errors["phone"] = str(exc)
    for name, message in REQUIRED.items():
        if not getattr(data, name).strip():
            errors[name] = message
    if errors:
        raise CompanyInvalid(N_("Please correct the marked fields"), fields=errors)
    return clean
