"""The Russian catalog is complete, keeps placeholders, and is what the app loads."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from callcenter import i18n

ROOT = Path(__file__).resolve().parent.parent
RU_PO = ROOT / "callcenter" / "locale" / "ru" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _ru_catalog() -> Catalog:
    with RU_PO.open("rb") as po_file:
        return read_po(po_file, locale="ru")


def _extracted() -> dict[str, str]:
    """Every msgid the sources mark (the same extraction as ``make messages``), with a place."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text) if match.group(0) != "%%")


def test_extraction_finds_the_sources() -> None:
    found = _extracted()
    assert "Clients" in found  # templates and web/templating.py
    assert "Please correct the marked fields" in found  # N_ in callcenter/
    assert "The form has expired: reload the page and try again" in found  # N_ in web/
    assert "%(num)s client" in found  # ngettext in a template
    assert "supervisor" in found  # callcenter/i18n_terms.py


def test_every_extracted_message_has_a_russian_translation() -> None:
    catalog = _ru_catalog()
    missing = []
    for msgid, where in sorted(_extracted().items()):
        message = catalog.get(msgid)
        strings = message.string if message is not None else ""
        forms = strings if isinstance(strings, tuple | list) else (strings,)
        if message is None or message.fuzzy or not all(form.strip() for form in forms):
            missing.append(f"{msgid!r} ({where})")
    assert not missing, (
        f"{len(missing)} message(s) lack a Russian translation; run `make messages` and fill "
        "in callcenter/locale/ru/LC_MESSAGES/messages.po:\n" + "\n".join(missing)
    )


def test_plural_messages_have_three_russian_forms() -> None:
    catalog = _ru_catalog()
    assert catalog.num_plurals == 3
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(message.string) == 3 and all(message.string), message.id


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for message in _ru_catalog():
        if not message.id:
            continue
        if message.pluralizable:
            expected = _placeholders(message.id[1])
            translated = [s for s in message.string if s]
        else:
            expected = _placeholders(message.id)
            translated = [message.string] if message.string else []
        for text in translated:
            if _placeholders(text) != expected:
                wrong.append(f"{message.id!r} -> {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_app_loads_the_russian_catalog() -> None:
    ru = i18n.translations("ru")
    assert ru.gettext("Clients") == "Клиенты"
    assert ru.gettext("supervisor") == "супервизор"
    assert ru.gettext("Page %(page)s of %(pages)s") % {"page": 2, "pages": 7} == ("Страница 2 из 7")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 клиент"),
        (3, "3 клиента"),
        (5, "5 клиентов"),
        (11, "11 клиентов"),
        (21, "21 клиент"),
        (22, "22 клиента"),
        (112, "112 клиентов"),
    ],
)
def test_russian_plural_forms(n: int, expected: str) -> None:
    form = i18n.translations("ru").ngettext("%(num)s client", "%(num)s clients", n)
    assert form % {"num": n} == expected


def test_english_falls_back_to_the_msgids() -> None:
    en = i18n.translations("en")
    assert en.gettext("Clients") == "Clients"
    assert en.ngettext("%(num)s client", "%(num)s clients", 1) == "%(num)s client"
    assert en.ngettext("%(num)s client", "%(num)s clients", 5) == "%(num)s clients"


def test_money_follows_the_language() -> None:
    # ru: no-break space (U+00A0) groups thousands and precedes the sign, comma decimals
    assert i18n.format_money(Decimal("1234.5"), "RUB", "ru") == "1\u00a0234,50\u00a0₽"
    assert i18n.format_money(Decimal("1234.5"), "RUB", "en") == "RUB1,234.50"
