"""The seller's profile: requisites checked like clients', INN/KPP/OGRN by kind, one row."""

from typing import Any

import pytest

from callcenter.company.input import CompanyInvalid, validate_company
from callcenter.company.service import get_company, save_company, to_input
from callcenter.errors import Forbidden
from tests.invoices.support import company_input, sole_trader_input


def test_a_company_with_the_notes_vectors_is_valid() -> None:
    clean = validate_company(company_input(kpp="5027ab001", phone=""), region="RU")
    assert clean["inn"] == "7707083893" and clean["kpp"] == "5027AB001"
    assert clean["settlement_account"] == "40702810938000012345"


def test_a_sole_trader_has_a_12_digit_inn_an_ogrnip_and_no_kpp() -> None:
    clean = validate_company(sole_trader_input(kpp="773601001"), region="RU")
    assert clean["kpp"] is None and clean["ogrn"] == "304500116000157"
    with pytest.raises(CompanyInvalid) as caught:
        validate_company(sole_trader_input(inn="7707083893", ogrn="1027700132195"), region="RU")
    assert caught.value.fields == {
        "inn": "A sole trader's INN has 12 digits",
        "ogrn": "A sole trader has a 15-digit OGRNIP",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"inn": "7707083894"}, "inn", "INN check digit does not match: check for a typo"),
        ({"inn": "500100732259"}, "inn", "A company's INN has 10 digits"),
        ({"kpp": ""}, "kpp", "A company needs a KPP"),
        ({"kpp": "7736АВ001"}, "kpp", None),  # Cyrillic look-alikes fail the pattern
        ({"ogrn": "1027700132196"}, "ogrn", "OGRN check digit does not match: check for a typo"),
        (
            {"settlement_account": "40702810038000012345"},
            "settlement_account",
            "Settlement account does not match the BIK: check both for a typo",
        ),
        (
            {"bik": "044525187"},
            "settlement_account",
            "Settlement account does not match the BIK: check both for a typo",
        ),
        (
            {"corr_account": "30101810400000000226"},
            "corr_account",
            "Correspondent account does not match the BIK: check both for a typo",
        ),
        ({"bank_name": " "}, "bank_name", "Bank name is required"),
        ({"vat_mode": "none"}, "vat_exempt_reason", None),
        ({"phone": "12"}, "phone", None),
        ({"legal_name": ""}, "legal_name", "Legal name is required"),
    ],
)
def test_each_bad_requisite_is_named_by_its_field(
    changes: dict[str, str], field: str, message: str | None
) -> None:
    with pytest.raises(CompanyInvalid) as caught:
        validate_company(company_input(**changes), region="RU")
    assert field in caught.value.fields
    if message:
        assert caught.value.fields[field] == message


async def test_only_an_admin_saves_and_saving_twice_keeps_one_row(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager")
    with pytest.raises(Forbidden):
        await save_company(db_session, data=company_input(), actor=manager, region="RU")
    admin = await make_user("admin")
    await save_company(db_session, data=company_input(), actor=admin, region="RU")
    await save_company(
        db_session, data=company_input(short_name="Ромашка-2"), actor=admin, region="RU"
    )
    await db_session.commit()
    company = await get_company(db_session)
    assert company is not None and company.id == 1 and company.display_name == "Ромашка-2"
    assert to_input(company).inn == "7707083893"
