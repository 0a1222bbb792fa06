"""Russian company requisites: INN, KPP, OGRN/OGRNIP, BIK and bank accounts.

Each ``check_*`` returns the cleaned value or raises ``RequisiteError`` with a message a user can
act on. Algorithms: ФНС order ММВ-7-6/435@ (INN, KPP), the ОГРН/ОГРНИП rules, and Bank of Russia
procedure № 515 of 08.09.1997 (account control key). A checksum catches typos; it does not prove
that the entity exists.
"""

from __future__ import annotations

import re

from callcenter.i18n import N_

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


class RequisiteError(ValueError):
    pass


def clean_digits(value: str) -> str:
    """Strip the spaces and dashes people type between digit groups."""
    return re.sub(r"[\s\-]", "", value or "")


def _digits(value: str, lengths: tuple[int, ...], wrong_length: str) -> str:
    value = clean_digits(value)
    # fullmatch on ASCII digits: str.isdigit() would also accept "²" and other Unicode digits
    if not any(re.fullmatch(rf"[0-9]{{{n}}}", value) for n in lengths):
        raise RequisiteError(wrong_length)
    if set(value) == {"0"}:
        raise RequisiteError(N_("All zeros is not a real number"))
    return value


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def check_inn(value: str) -> str:
    inn = _digits(value, (10, 12), N_("INN must have 10 or 12 digits"))
    if len(inn) == 10:
        ok = _check_digit(inn, _INN10_WEIGHTS) == int(inn[9])
    else:
        ok = _check_digit(inn, _INN12_WEIGHTS_11) == int(inn[10]) and _check_digit(
            inn, _INN12_WEIGHTS_12
        ) == int(inn[11])
    if not ok:
        raise RequisiteError(N_("INN check digit does not match: check for a typo"))
    return inn


def check_kpp(value: str) -> str:
    kpp = clean_digits(value).upper()
    if not _KPP.fullmatch(kpp):
        raise RequisiteError(
            "KPP must be 9 characters: 4 digits, 2 digits or Latin letters, 3 digits"
        )
    if set(kpp) == {"0"}:
        raise RequisiteError(N_("KPP cannot be all zeros"))
    return kpp


def check_ogrn(value: str) -> str:
    """OGRN (13 digits, companies) or OGRNIP (15 digits, sole traders)."""
    ogrn = _digits(value, (13, 15), N_("OGRN must have 13 digits, OGRNIP 15"))
    if len(ogrn) == 13:
        ok = int(ogrn[:12]) % 11 % 10 == int(ogrn[12])
    else:
        # the last digit of the remainder mod 13: remainders 10, 11, 12 give 0, 1, 2
        ok = int(ogrn[:14]) % 13 % 10 == int(ogrn[14])
    if not ok:
        raise RequisiteError(N_("OGRN check digit does not match: check for a typo"))
    return ogrn


def check_bik(value: str) -> str:
    # Treasury bodies have had BIKs starting with 00 since 2021, so 04 is not required.
    return _digits(value, (9,), N_("BIK must have 9 digits"))


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def check_settlement_account(value: str, bik: str) -> str:
    account = _digits(value, (20,), N_("An account number has 20 digits"))
    if account.startswith("03"):
        return account  # treasury accounts pass neither rule: the key is not checked
    if not _account_key_ok(bik[6:9], account):
        raise RequisiteError(N_("Settlement account does not match the BIK: check both for a typo"))
    return account


def check_corr_account(value: str, bik: str) -> str:
    account = _digits(value, (20,), N_("An account number has 20 digits"))
    if not _account_key_ok("0" + bik[4:6], account):
        raise RequisiteError(
            N_("Correspondent account does not match the BIK: check both for a typo")
        )
    return account
