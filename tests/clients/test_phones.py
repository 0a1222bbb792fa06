import pytest

from callcenter.phones import PhoneError, display_phone, normalize_email, parse_phone


@pytest.mark.parametrize(
    "typed", ["8 (916) 123-45-67", "+7 916 1234567", "9161234567", "+7(916)1234567", "79161234567"]
)
def test_every_russian_way_of_typing_gives_one_e164(typed: str) -> None:
    assert parse_phone(typed).e164 == "+79161234567"


def test_extension_digits_are_kept() -> None:
    phone = parse_phone("+7 495 123-45-67 доб. 123")
    assert (phone.e164, phone.extension) == ("+74951234567", "123")


@pytest.mark.parametrize("typed", ["", "12", "+7 000 000 00 00", "not a phone"])
def test_bad_numbers_are_refused(typed: str) -> None:
    with pytest.raises(PhoneError):
        parse_phone(typed)


def test_home_numbers_display_in_national_form_and_others_international() -> None:
    assert display_phone("+79161234567") == "8 (916) 123-45-67"
    assert display_phone("+442079460000").startswith("+44 20")


@pytest.mark.parametrize("email", ["a@b", "no at sign", "two@@x.ru", "sp ace@x.ru"])
def test_malformed_email_is_refused(email: str) -> None:
    with pytest.raises(ValueError):
        normalize_email(email)


def test_email_is_trimmed_and_lower_cased() -> None:
    assert normalize_email("  Ivan.Petrov@Example.RU ") == "ivan.petrov@example.ru"
