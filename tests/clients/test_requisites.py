"""Requisites checksums against the verified vectors in the domain notes."""

import pytest

from callcenter.clients.requisites import (
    RequisiteError,
    check_corr_account,
    check_inn,
    check_kpp,
    check_ogrn,
    check_settlement_account,
)

VALID_INN = [
    "7707083893",
    "7736207543",
    "7736050003",
    "7708004767",
    "7702070139",
    "500100732259",
    "366220664163",
    "123456789047",
    "005826107187",
    "770123456703",
]
INVALID_INN = [
    "7707083894",
    "7736207544",
    "7707083839",
    "1234567890",
    "770708389",
    "500100732258",
    "500100732295",
    "123456789037",
    "366220664164",
    "123456789012",
    "0000000000",
    "77070838９3",
    "770708389²",
]


@pytest.mark.parametrize("inn", VALID_INN)
def test_valid_inn_passes(inn: str) -> None:
    assert check_inn(inn) == inn


def test_inn_typed_with_spaces_and_dashes_is_cleaned() -> None:
    assert check_inn("7707 083-893") == "7707083893"


@pytest.mark.parametrize("inn", INVALID_INN)
def test_invalid_inn_fails(inn: str) -> None:
    with pytest.raises(RequisiteError):
        check_inn(inn)


@pytest.mark.parametrize("kpp", ["773601001", "770401001", "997250001", "5027AB001", "5027ab001"])
def test_well_formed_kpp_passes(kpp: str) -> None:
    assert check_kpp(kpp) == kpp.upper()


@pytest.mark.parametrize("kpp", ["77360100", "5027АВ001", "000000000", "77360100X"])
def test_malformed_kpp_fails(kpp: str) -> None:
    with pytest.raises(RequisiteError):
        check_kpp(kpp)


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700132195",
        "1027700229193",
        "1027700070518",
        "1027739609391",
        "1037739877295",
        "304500116000157",
        "385768585948949",
        "315774600002661",
    ],
)
def test_valid_ogrn_and_ogrnip_pass(ogrn: str) -> None:
    assert check_ogrn(ogrn) == ogrn


@pytest.mark.parametrize(
    "ogrn",
    [
        "1027700132196",
        "1027700229139",
        "1027700070517",
        "1022500001328",
        "102770013219",
        "304500116000158",
        "315774600002662",
    ],
)
def test_invalid_ogrn_and_ogrnip_fail(ogrn: str) -> None:
    with pytest.raises(RequisiteError):
        check_ogrn(ogrn)


@pytest.mark.parametrize(
    "bik,account",
    [
        ("044525225", "30101810400000000225"),
        ("044525187", "30101810700000000187"),
        ("044525593", "30101810200000000593"),
        ("044525974", "30101810145250000974"),
        ("004525988", "40102810545370000003"),
    ],
)
def test_correspondent_account_matches_bik(bik: str, account: str) -> None:
    assert check_corr_account(account, bik) == account


@pytest.mark.parametrize(
    "bik,account",
    [
        ("044525225", "40702810938000012345"),
        ("049805746", "40602810700000000025"),
        ("004525988", "03100643000000017300"),  # treasury: the key is not checked
    ],
)
def test_settlement_account_matches_bik(bik: str, account: str) -> None:
    assert check_settlement_account(account, bik) == account


@pytest.mark.parametrize(
    "bik,account",
    [
        ("044525225", "40702810038000012345"),  # wrong key
        ("044525187", "40702810938000012345"),  # another bank
        ("044525225", "30101810400000000225"),  # a correspondent account under the settlement rule
    ],
)
def test_settlement_account_with_wrong_key_fails(bik: str, account: str) -> None:
    with pytest.raises(RequisiteError):
        check_settlement_account(account, bik)
