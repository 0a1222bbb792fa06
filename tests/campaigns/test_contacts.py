"""Contact lists: by numbers, from a file, from the client list's filters or client ids;
bad numbers and duplicates reported, nothing half-added."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from callcenter.clients.models import Segment
from callcenter.clients.search import ClientQuery
from callcenter.dialer.campaigns import create_campaign
from callcenter.dialer.contacts import (
    ContactsInvalid,
    add_contacts,
    from_client_ids,
    from_client_query,
    from_file,
    from_numbers,
)
from callcenter.dialer.models import CampaignContact
from callcenter.imports.limits import UploadLimits
from tests.campaigns.support import add_client, add_queue, campaign_input
from tests.imports.support import csv_bytes, xlsx_bytes


async def _campaign(db_session: Any, actor: Any) -> Any:
    await add_queue(db_session)
    campaign = await create_campaign(db_session, data=campaign_input(), actor=actor, region="RU")
    await db_session.commit()
    return campaign


async def _contacts(db_session: Any, campaign_id: int) -> list[tuple[str, str, int | None]]:
    rows = await db_session.execute(
        select(CampaignContact.e164, CampaignContact.name, CampaignContact.client_id)
        .where(CampaignContact.campaign_id == campaign_id)
        .order_by(CampaignContact.id)
    )
    return [tuple(r) for r in rows]


def test_numbers_typed_any_way_become_e164_with_an_optional_name() -> None:
    found, bad = from_numbers("8 (916) 123-45-67; Иван Петров\n\n+7 916 765 43 21\n12345", "RU")
    assert [(c.e164, c.name) for c in found] == [
        ("+79161234567", "Иван Петров"),
        ("+79167654321", ""),
    ]
    assert [(b.where, b.text) for b in bad] == [("12345", "12345")]


async def test_a_bad_number_adds_nothing_unless_skipping_is_asked(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager")
    campaign = await _campaign(db_session, manager)
    found, bad = from_numbers("+79161234567\nне номер\n+79161234568", "RU")
    with pytest.raises(ContactsInvalid) as caught:
        await add_contacts(db_session, campaign=campaign, found=found, bad=bad, actor=manager)
    assert [b.text for b in caught.value.report.bad] == ["не номер"]
    assert await _contacts(db_session, campaign.id) == []
    report = await add_contacts(
        db_session, campaign=campaign, found=found, bad=bad, actor=manager, skip_bad=True
    )
    assert report.added == 2 and len(report.bad) == 1


async def test_duplicates_in_the_list_and_in_the_campaign_are_reported_and_skipped(
    db_session: Any, make_user: Any
) -> None:
    manager = await make_user("manager", sees_all_clients=True)
    campaign = await _campaign(db_session, manager)
    ivan = await add_client(db_session, "Иван Петров", "+79161234567")
    found, bad = from_numbers("+79161234567\n8 916 123 45 67\n+79161112233", "RU")
    report = await add_contacts(db_session, campaign=campaign, found=found, bad=bad, actor=manager)
    assert report.added == 2 and [d.e164 for d in report.duplicates] == ["+79161234567"]
    again, _ = from_numbers("+79161112233\n+79161112244", "RU")
    report = await add_contacts(db_session, campaign=campaign, found=again, bad=[], actor=manager)
    assert report.added == 1 and [d.e164 for d in report.duplicates] == ["+79161112233"]
    assert await _contacts(db_session, campaign.id) == [
        ("+79161234567", "Иван Петров", ivan.id),  # the client holding the number
        ("+79161112233", "", None),
        ("+79161112244", "", None),
    ]


async def test_a_csv_in_cp1251_with_a_russian_header_is_read_by_its_columns(
    db_session: Any, make_user: Any
) -> None:
    content = csv_bytes(
        [
            ["ФИО", "Телефон"],
            ["Анна", "8-916-111-22-33"],
            ["Борис", "нет"],
            ["Вера", "+79162223344"],
        ],  # fmt: skip
        encoding="cp1251",
        delimiter=";",
    )
    found, bad = from_file(content, "RU", UploadLimits())
    assert [(c.e164, c.name, c.where) for c in found] == [
        ("+79161112233", "Анна", "2"),
        ("+79162223344", "Вера", "4"),
    ]
    assert [(b.where, b.text) for b in bad] == [("3", "нет")]


def test_an_xlsx_without_a_header_is_numbers_in_the_first_column() -> None:
    found, bad = from_file(
        xlsx_bytes([[79161112233, "Анна"], ["+7 916 222 33 44", "Вера"]]), "RU", UploadLimits()
    )
    assert [(c.e164, c.name, c.where) for c in found] == [
        ("+79161112233", "Анна", "1"),
        ("+79162223344", "Вера", "2"),
    ]
    assert bad == []


async def test_a_segment_gives_each_client_s_first_phone_that_is_not_a_fax(
    db_session: Any, make_user: Any
) -> None:
    mine = await make_user("manager")
    segment = Segment(name="VIP")
    db_session.add(segment)
    await db_session.commit()
    faxed = await add_client(
        db_session, "Факс и мобильный", "+74951112233", "+79160000001",
        owner_id=mine.id, segment_id=segment.id, kind0="fax",
    )  # fmt: skip
    silent = await add_client(db_session, "Без телефона", owner_id=mine.id, segment_id=segment.id)
    await add_client(db_session, "Чужой", "+79160000002", segment_id=segment.id)
    await add_client(db_session, "Не VIP", "+79160000003", owner_id=mine.id)
    found, bad = await from_client_query(
        db_session, ClientQuery(segment_id=segment.id), actor=mine, region="RU"
    )
    assert [(c.e164, c.client_id) for c in found] == [("+79160000001", faxed.id)]
    assert [(b.where, b.text) for b in bad] == [(f"#{silent.id}", "Без телефона")]


async def test_clients_picked_by_id_must_exist_and_be_visible(
    db_session: Any, make_user: Any
) -> None:
    mine = await make_user("manager")
    own = await add_client(db_session, "Свой", "+79160000001", owner_id=mine.id)
    other = await add_client(db_session, "Чужой", "+79160000002")
    found, bad = await from_client_ids(db_session, [own.id, other.id, 999999], actor=mine)
    assert [c.client_id for c in found] == [own.id]
    assert [b.where for b in bad] == [f"#{other.id}", "#999999"]
