"""Read and save the company's profile; freeze it into an invoice's seller snapshot."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff, record_change
from callcenter.company.input import TEXT_FIELDS, CompanyInput, validate_company
from callcenter.company.models import CompanyProfile
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission


async def get_company(session: AsyncSession) -> CompanyProfile | None:
    """The company's profile, or None before an admin has filled it in."""
    return await session.get(CompanyProfile, 1)


def to_input(company: CompanyProfile | None) -> CompanyInput:
    if company is None:
        return CompanyInput()
    return CompanyInput(**{name: getattr(company, name) or "" for name in TEXT_FIELDS})


def _audited(company: CompanyProfile) -> dict[str, Any]:
    return {name: getattr(company, name) for name in TEXT_FIELDS}


async def save_company(
    session: AsyncSession, *, data: CompanyInput, actor: User, region: str
) -> CompanyProfile:
    if not actor.can(Permission.COMPANY_MANAGE):
        raise Forbidden(N_("Only an admin may change the company's requisites"))
    clean = validate_company(data, region=region)
    company = await get_company(session)
    before: dict[str, Any] = {}
    if company is None:
        company = CompanyProfile(id=1)
        session.add(company)
    else:
        before = _audited(company)
    for name, value in clean.items():
        setattr(company, name, value)
    company.updated_by_id = actor.id
    await session.flush()
    changes = diff(before, _audited(company))
    if changes:
        await record_change(
            session,
            actor=actor,
            entity="company",
            entity_id=1,
            action="updated" if before else "created",
            changes=changes,
        )
    return company


def seller_snapshot(company: CompanyProfile) -> dict[str, Any]:
    """The seller as an invoice prints it, frozen at issue time."""
    return {
        "kind": company.kind,
        "name": company.legal_name,
        "short_name": company.short_name,
        "inn": company.inn,
        "kpp": company.kpp,
        "ogrn": company.ogrn,
        "address": company.address,
        "phone": company.phone,
        "bank_name": company.bank_name,
        "bik": company.bik,
        "corr_account": company.corr_account,
        "settlement_account": company.settlement_account,
        "director": company.director,
        "accountant": company.accountant,
    }
