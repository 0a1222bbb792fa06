"""Feedback: validation of scores and resolutions, roles, the complaint flag, the API, NPS."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import pytest
from sqlalchemy import select

from callcenter.calls.screenpop import build_pop
from callcenter.clients.models import ClientPhone
from callcenter.feedback.input import FeedbackInput, FeedbackInvalid, validate_feedback
from callcenter.feedback.models import Feedback
from callcenter.feedback.scores import feedback_scores
from tests.conftest import sign_in
from tests.tasks.support import add_client, ago, ahead
from web import i18n


def _input(**fields: Any) -> FeedbackInput:
    fields.setdefault("client_id", 1)
    fields.setdefault("text", "Курьер опоздал на два часа")
    return FeedbackInput(**fields)


@pytest.mark.parametrize(
    "scale,score,ok",
    [("rating", "5", True), ("rating", "0", False), ("rating", "6", False),
     ("nps", "0", True), ("nps", "10", True), ("nps", "11", False), ("nps", "7.5", False),
     ("", "4", False), ("nps", "", False), ("stars", "3", False)],
)  # fmt: skip
def test_a_score_is_1_to_5_or_nps_0_to_10(scale: str, score: str, ok: bool) -> None:
    if ok:
        assert validate_feedback(_input(score_scale=scale, score=score)).score == int(score)
    else:
        with pytest.raises(FeedbackInvalid):
            validate_feedback(_input(score_scale=scale, score=score))


def test_resolving_needs_a_resolution_and_text_is_required() -> None:
    with pytest.raises(FeedbackInvalid) as caught:
        validate_feedback(_input(status="resolved", text=" ", client_id=None))
    assert set(caught.value.fields) == {"resolution", "text", "client_id"}


async def test_an_open_complaint_flags_the_card_and_resolving_it_clears_the_flag(
    signed_in: Any, db_session: Any
) -> None:
    client, me, csrf = await signed_in("operator")
    buyer = await add_client(db_session, "Ольга Соколова")
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "complaint-flag" not in card and f"/feedback/new?client={buyer.id}" in card
    form = {"csrf_token": csrf, "kind": "complaint", "client_id": str(buyer.id),
            "text": "Привезли не тот цвет", "score_scale": "rating", "score": "2"}  # fmt: skip
    response = await client.post("/feedback/new", data=form, allow_redirects=False)
    assert response.status == 302
    item = await db_session.scalar(select(Feedback))
    assert (item.owner_id, item.created_by_id, item.status) == (me.id, me.id, "new")
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "1 open complaint" in card and "Привезли не тот цвет" in card
    resolve = {**form, "status": "resolved", "resolution": ""}
    refused = await client.post(f"/feedback/{item.id}", data=resolve)
    assert refused.status == 422 and "Say how it was resolved" in await refused.text()
    resolve["resolution"] = "Заменили товар"
    await client.post(f"/feedback/{item.id}", data=resolve)
    card = await (await client.get(f"/clients/{buyer.id}")).text()
    assert "open complaint" not in card
    resolved = await db_session.scalar(select(Feedback).execution_options(populate_existing=True))
    assert resolved.resolved_at is not None and resolved.resolution == "Заменили товар"


async def test_the_screen_pop_shows_the_open_complaint(db_session: Any, app: Any) -> None:
    buyer = await add_client(
        db_session, "Игорь", phones=[ClientPhone(number="+79161112233", e164="+79161112233")]
    )
    db_session.add(Feedback(kind="complaint", client_id=buyer.id, text="Грубый оператор"))
    db_session.add(Feedback(kind="review", client_id=buyer.id, text="Всё понравилось"))
    await db_session.commit()
    pop = await build_pop(db_session, linkedid="x.1", number="+79161112233", direction="inbound")
    assert pop.complaints == {buyer.id: 1}
    i18n.LANGUAGE.set("en")
    html = aiohttp_jinja2.get_env(app).get_template("workspace/_pop.html").render(pop=pop)
    assert "1 open complaint" in html and f"/feedback/new?client={buyer.id}" in html


async def test_a_manager_sees_only_feedback_of_their_clients(
    client: Any, make_user: Any, db_session: Any
) -> None:
    manager = await make_user("manager")
    mine = await add_client(db_session, "Мой", owner_id=manager.id)
    theirs = await add_client(db_session, "Чужой")
    db_session.add(Feedback(kind="review", client_id=mine.id, text="Отзыв моего"))
    other = Feedback(kind="review", client_id=theirs.id, text="Отзыв чужого")
    db_session.add(other)
    await db_session.commit()
    await sign_in(client, manager)
    listing = await (await client.get("/feedback")).text()
    assert "Отзыв моего" in listing and "Отзыв чужого" not in listing
    assert (await client.get(f"/feedback/{other.id}")).status == 403


async def test_a_supervisor_reads_feedback_and_changes_none(
    signed_in: Any, db_session: Any
) -> None:
    client, _sup, csrf = await signed_in("supervisor")
    buyer = await add_client(db_session)
    item = Feedback(kind="suggestion", client_id=buyer.id, text="Добавьте оплату картой")
    db_session.add(item)
    await db_session.commit()
    page = await client.get(f"/feedback/{item.id}")
    assert page.status == 200 and "Добавьте оплату картой" in await page.text()
    assert 'name="resolution"' not in await page.text()
    form = {"csrf_token": csrf, "kind": "suggestion", "client_id": str(buyer.id), "text": "x"}
    assert (await client.post(f"/feedback/{item.id}", data=form)).status == 403
    assert (await client.get("/feedback/new")).status == 403


async def test_the_feedback_api(api_as: Any, db_session: Any) -> None:
    client, me = await api_as("operator")
    buyer = await add_client(db_session, "Анна")
    created = await client.post(
        "/api/v1/feedback",
        json={"kind": "review", "client": buyer.id, "text": "Быстро доставили",
              "score_scale": "nps", "score": 9},
    )  # fmt: skip
    assert created.status == 201, await created.text()
    item = await created.json()
    assert item["score"] == 9 and item["owner"]["id"] == me.id and item["client"]["name"] == "Анна"
    bad = await client.patch(f"/api/v1/feedback/{item['id']}", json={"score": 12})
    assert bad.status == 422 and "score" in (await bad.json())["fields"]
    done = await client.patch(
        f"/api/v1/feedback/{item['id']}", json={"status": "resolved", "resolution": "Спасибо"}
    )
    body = await done.json()
    assert body["status"] == "resolved" and body["resolved_at"] and body["score"] == 9
    reopened = await (
        await client.patch(f"/api/v1/feedback/{item['id']}", json={"status": "in_progress"})
    ).json()
    assert reopened["resolved_at"] is None
    listed = await (await client.get(f"/api/v1/feedback?client_id={buyer.id}&kind=review")).json()
    assert [f["id"] for f in listed["items"]] == [item["id"]]
    assert (await (await client.get("/api/v1/feedback?status=resolved")).json())["total"] == 0


async def test_nps_and_the_average_rating(db_session: Any) -> None:
    buyer = await add_client(db_session)
    answers = [("nps", 10), ("nps", 9), ("nps", 8), ("nps", 3), ("rating", 4), ("rating", 5)]
    for scale, score in answers:
        db_session.add(Feedback(kind="review", client_id=buyer.id, text="—", score_scale=scale,
                                score=score))  # fmt: skip
    db_session.add(Feedback(kind="review", client_id=buyer.id, text="без оценки"))
    await db_session.commit()
    scores = await feedback_scores(db_session, since=ago(days=1), until=ahead(days=1))
    assert (scores.promoters, scores.passives, scores.detractors) == (2, 1, 1)
    assert scores.nps == pytest.approx(25.0) and scores.average_rating == pytest.approx(4.5)
    empty = await feedback_scores(db_session, since=ahead(days=1), until=ahead(days=2))
    assert empty.nps is None and empty.average_rating is None
