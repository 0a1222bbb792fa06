"""The client type column: the words people type and the UI's own words for a person and a
company, in both languages, are read; anything else is a bad row whose reason lists what is
accepted; the result counts the rows written, and a failed import still says how many rows
its file had."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import Client
from callcenter.i18n import LANGUAGE_NAMES, translations
from callcenter.imports.clients import COMPANY_WORDS, KIND_HELP, PERSON_WORDS, _kind
from callcenter.imports.targets import norm_header
from tests.imports.support import csv_bytes, run_file

HEAD = ["ФИО", "Тип", "Телефон"]


def _kind_of(word: str) -> str | None:
    return _kind({"kind": [("Тип", word)]}, "Иванов", "", "", "")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("контакт", "person"),
        ("Человек", "person"),
        ("  КОНТАКТ ", "person"),
        ("физ. лицо", "person"),
        ("Физическое лицо", "person"),
        ("contact", "person"),
        ("Person", "person"),
        ("Компания", "company"),
        ("юр.лицо", "company"),
        ("ИП", "company"),
        ("Organisation", "company"),
    ],
)
def test_typed_words_and_their_spellings_are_read(typed: str, kind: str) -> None:
    assert _kind_of(typed) == kind


def test_the_uis_own_words_for_both_kinds_in_both_languages_are_read() -> None:
    for language in LANGUAGE_NAMES:
        catalog = translations(language)
        for label, kind in (("Person", "person"), ("person", "person")):
            assert _kind_of(catalog.gettext(label)) == kind, (language, label)
        for label in ("Company", "company"):
            assert _kind_of(catalog.gettext(label)) == "company", (language, label)


@pytest.mark.parametrize("language", sorted(LANGUAGE_NAMES))
def test_the_error_lists_only_accepted_words_and_every_typed_word_is_listed(
    language: str,
) -> None:
    message = translations(language).gettext(KIND_HELP)
    assert message != KIND_HELP or language == "en"
    listed = {
        norm_header(word)
        for group in re.findall(r"\(([^)]*)\)", message)
        for word in group.split(",")
    }
    assert listed and all(_kind_of(word) is not None for word in listed), listed
    # every word a file may carry is named, abbreviations aside («физ», «юр»)
    assert (PERSON_WORDS | COMPANY_WORDS) - listed <= {
        "физ",
        "юр",
        "физ лицо",
        "юр лицо",
        "private person",
        "organisation",
    }


@pytest.mark.parametrize("garbage", ["клиент", "x", "0", "персона", "компания и контакт", "лицо"])
def test_anything_else_is_no_kind(garbage: str) -> None:
    assert _kind_of(garbage) is None


async def test_a_file_of_contacts_is_written_and_the_result_counts_written_rows(
    make_user: Any, database_url: str, db_session: Any
) -> None:
    manager = await make_user("manager")
    rows = [
        HEAD,
        ["Иванов Иван", "контакт", "9161112233"],
        ["Петрова Анна", "человек", "9161112234"],
        ["ООО «Вектор»", "Компания", "4957654321"],
    ]
    job = await run_file(database_url, manager, csv_bytes(rows))
    assert (job.state, job.created_count + job.updated_count, job.total_rows) == ("done", 3, 3)
    kinds = dict((await db_session.execute(select(Client.name, Client.kind))).all())
    assert kinds == {"Иванов Иван": "person", "Петрова Анна": "person", "ООО «Вектор»": "company"}


async def test_a_bad_type_fails_the_file_naming_the_accepted_words_and_its_row_count(
    make_user: Any, database_url: str, signed_in: Any
) -> None:
    client, manager, _ = await signed_in("manager", language="ru")
    rows = [HEAD, ["Иванов Иван", "контакт", "9161112233"], ["Сидоров", "клиент", "9161112235"]]
    job = await run_file(database_url, manager, csv_bytes(rows))
    assert (job.state, job.total_rows, job.created_count, job.bad_count) == ("failed", 2, 0, 1)
    assert job.bad_rows[0]["errors"] == {"Тип": KIND_HELP}
    page = await (await client.get(f"/imports/{job.id}")).text()
    assert "Тип клиента — контакт (контакт, человек" in page
    assert re.search(r"Записано строк</dt><dd class=\"written\">0<", page)
    assert re.search(r"Строк в файле</dt><dd class=\"read\">2<", page)
