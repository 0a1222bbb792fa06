"""Russian words that say what the English says: an order is «Заказ», not the «Порядок» of a
list; a count of a campaign's contacts is «Контакты», not a client's «Контактные данные»."""

from __future__ import annotations

from typing import Any

from callcenter.i18n import translations


def test_each_sense_has_its_own_word() -> None:
    ru = translations("ru").gettext
    assert ru("Order") == "Заказ" and ru("Orders") == "Заказы"
    assert ru("Position") == "Порядок"  # a place in a list (pause reasons, statuses)
    assert ru("Contacts") == "Контакты"  # a campaign's contacts, counted
    assert ru("Contact details") == "Контактные данные"  # a client's phones and e-mails
    assert ru("Lost share") == "Доля потерянных" and ru("Abandon rate") == "Доля брошенных"
    assert ru("hidden number") == "скрытый номер"


async def test_lists_ordered_by_hand_say_position_and_campaigns_count_contacts(
    signed_in: Any,
) -> None:
    client, _user, _csrf = await signed_in("admin", language="ru")
    reasons = await (await client.get("/admin/pause-reasons")).text()
    assert "<th>Порядок</th>" in reasons and "<th>Заказ</th>" not in reasons
    pipeline = await (await client.get("/admin/pipeline")).text()
    assert "<th>Порядок</th>" in pipeline
    campaigns = await (await client.get("/campaigns")).text()
    assert "Контактные данные" not in campaigns
