"""In headless Chromium, in English and in Russian: a manager types a text message on the
mailing form and sees its length in SMS parts and its encoding change as each key goes in:
GSM-7 for Latin text (160 septets in one part, 153 a part past it, an extension character
two septets), UCS-2 the moment a Cyrillic letter is typed (70 in one part, 67 a part past
it), GSM-7 again once it is deleted. The page's count agrees with the server's
(``callcenter.sms.parts``) at every step."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from callcenter.sms.parts import count_parts
from tests.browser.conftest import sign_in_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LABELS = {
    "en": "As typed, an SMS of {parts} part(s) · {encoding} · {units} characters",
    "ru": "Как набрано: SMS из частей: {parts} · {encoding} · символов: {units}",
}
BODY = "textarea[name=body_text]"


def shown(language: str, parts: int, encoding: str, units: int) -> str:
    return LABELS[language].format(parts=parts, encoding=encoding, units=units)


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_the_parts_and_encoding_follow_each_key_typed_in_both_languages(
    page: Any, make_user: Any, language: str
) -> None:
    manager = await make_user("manager", language=language)
    await sign_in_page(page, manager.login, PASSWORD)
    await page.goto("/mailings/new")
    await page.select_option("select[name=channel]", "sms")
    counter = page.locator(".sms-parts")
    body = page.locator(BODY)
    await body.fill("")
    await expect(counter).to_have_text(shown(language, 0, "GSM-7", 0))

    async def typed(keys: str, parts: int, encoding: str, units: int) -> None:
        await body.press_sequentially(keys)
        text = await body.input_value()
        server = count_parts(text)  # the page and the server count alike
        assert (server.parts, server.encoding, server.units) == (parts, encoding, units), text
        await expect(counter).to_have_text(shown(language, parts, encoding, units))

    await typed("Sale", 1, "GSM-7", 4)
    await body.fill("Sale" + "x" * 155)  # 159 septets
    await typed("!", 1, "GSM-7", 160)  # one part holds 160
    await typed("!", 2, "GSM-7", 161)  # past it: 153 a part
    await typed("€", 2, "GSM-7", 163)  # the euro sign is an extension: two septets
    await typed(" Скидка", 3, "UCS-2", 169)  # one Cyrillic letter makes it UCS-2, 67 a part
    for left in ("Скидк", "Скид", "Ски", "Ск", "С", ""):  # deleted key by key
        await body.press("Backspace")
        text = await body.input_value()
        assert text.endswith("€ " + left)
        found = count_parts(text)
        assert found.encoding == ("UCS-2" if left else "GSM-7")
        await expect(counter).to_have_text(
            shown(language, found.parts, found.encoding, found.units)
        )
    await expect(counter).to_have_text(shown(language, 2, "GSM-7", 164))  # Latin again
    await body.fill("")
    await typed("Привет", 1, "UCS-2", 6)
    await body.fill("П" * 69)
    await typed("!", 1, "UCS-2", 70)  # one UCS-2 part holds 70
    await typed("!", 2, "UCS-2", 71)  # past it: 67 a part
    await typed("😀", 2, "UCS-2", 73)  # outside the BMP: two UTF-16 units
