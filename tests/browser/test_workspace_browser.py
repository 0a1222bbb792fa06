"""In headless Chromium: the operator's screen, from sign-in to the call's wrap-up."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from ami.simulator import PbxSimulator
from callcenter.floor.models import AgentRow, PauseReason
from callcenter.floor.service import agent_of
from callcenter.settings import Settings
from tests.browser.conftest import sign_in_page
from tests.browser.test_screenpop_browser import pbx_path  # noqa: F401
from tests.conftest import PASSWORD
from tests.dialer.support import make_campaign
from tests.tasks.support import add_client, add_task, ahead

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("operator", "/workspace"),
        ("supervisor", "/wallboard"),
        ("manager", "/clients"),
        ("admin", "/admin/users"),
        ("partner", "/my/partner"),
    ],
)
async def test_each_role_lands_on_its_own_home_after_sign_in(
    page: Any, make_user: Any, role: str, home: str
) -> None:
    user = await make_user(role, extension="101" if role == "operator" else "")
    await sign_in_page(page, user.login, PASSWORD)
    assert urlsplit(page.url).path == home
    # the brand link leads home too
    await page.goto("/")
    assert urlsplit(page.url).path == home


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Agents as the simulator has them (Local channels), numbers as its outbound takes them;
    reminders looked for often."""
    return dataclasses.replace(
        settings,
        agent_dial="Local/{extension}@agents",
        dial_format="national",
        reminder_check_seconds=0.2,
    )


async def _agent(db_session: Any, extension: str, status: str | None = None) -> AgentRow:
    async with asyncio.timeout(15):
        while True:
            db_session.expire_all()
            row = await agent_of(db_session, extension)
            if row is not None and (status is None or row.status == status):
                return row
            await asyncio.sleep(0.05)


async def test_pause_during_a_call_says_at_once_it_starts_after_the_call(
    page: Any,
    make_user: Any,
    db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:
    db_session.add(PauseReason(name="Lunch", active=True, position=0))
    await db_session.commit()
    operator = await make_user("operator", extension="101", language="en")
    await _agent(db_session, "101", "available")  # a member of sales on the PBX
    await sign_in_page(page, operator.login, PASSWORD)
    await page.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="noanswer")
    await pbx_path.inbound_call(agent_answers=True, talk_s=160, patience_s=900)
    await page.locator("#my-state.state-on_call").wait_for()

    async def slow(route: Any) -> None:  # the PBX's answer is late: the page need not wait
        await asyncio.sleep(2)
        await route.continue_()

    await page.route("**/api/v1/agents/*/pause", slow)
    await page.select_option("#pause-form select[name=reason]", "Lunch")
    await page.click("#pause-form button[type=submit]")
    reason = page.locator("#my-reason")
    assert await reason.text_content(timeout=500) == "Pause after this call · Lunch"
    paused = await _agent(db_session, "101", "on_call")
    while not paused.paused_queues:  # the PBX paused the member; the call goes on
        paused = await _agent(db_session, "101", "on_call")
    await page.wait_for_timeout(300)  # its frame has reached the page
    assert await reason.text_content() == "Pause after this call · Lunch"
    await page.reload()  # drawn by the server the same way
    assert await reason.text_content() == "Pause after this call"
    await page.locator("#my-state.state-paused").wait_for(timeout=15_000)
    assert await reason.text_content() == "Lunch"


async def _effective_opacity(locator: Any) -> float:
    """The opacity the element is drawn with: its own times every ancestor's."""
    return float(
        await locator.evaluate(
            """(el) => { let o = 1; for (; el; el = el.parentElement)
                o *= Number(getComputedStyle(el).opacity); return o; }"""
        )
    )


async def test_the_pop_times_the_call_shows_the_queues_script_and_a_live_wrapup(
    page: Any,
    make_user: Any,
    db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:
    await make_campaign(
        db_session, queue="sales", state="paused", script="Добрый день! Меня зовут…"
    )
    await make_campaign(db_session, name="Other", queue="support", script="Не этот")
    await db_session.commit()
    operator = await make_user("operator", extension="101", language="en")
    await sign_in_page(page, operator.login, PASSWORD)
    await page.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="noanswer")
    await pbx_path.inbound_call(agent_answers=True, talk_s=120, patience_s=900)
    pop = page.locator(".pop.talking").first
    await pop.wait_for(timeout=15_000)
    assert await pop.locator(".pop-script .script").text_content() == "Добрый день! Меня зовут…"
    timer = pop.locator(".pop-timer")
    first = await timer.text_content()
    await page.wait_for_timeout(3_300)  # the display follows a once-a-second tick
    later = await timer.text_content()
    assert re.fullmatch(r"\d+:\d\d", first or "") and re.fullmatch(r"\d+:\d\d", later or "")
    assert 2 <= _seconds(later) - _seconds(first) <= 5  # it ticks on its own

    await page.locator(".pop.ended").wait_for(timeout=15_000)
    ended = page.locator(".pop.ended").first
    frozen = await ended.locator(".pop-timer").text_content()
    await page.wait_for_timeout(1_100)
    assert await ended.locator(".pop-timer").text_content() == frozen  # stopped at the end
    form = ended.locator("form.wrapup")
    await form.wait_for()
    for control in ("select[name=result]", "textarea[name=note]", "button[type=submit]"):
        assert await form.locator(control).is_enabled()
        assert await _effective_opacity(form.locator(control)) == 1.0  # not drawn as disabled
    assert await _effective_opacity(ended.locator(".pop-number")) < 1.0  # the card is muted


def _seconds(shown: str | None) -> int:
    minutes, seconds = (shown or "0:0").split(":")
    return int(minutes) * 60 + int(seconds)


async def test_reminders_due_together_make_one_toast_with_a_count_and_close_all(
    page: Any, make_user: Any, db_session: Any
) -> None:
    operator = await make_user("operator", extension="101", language="ru")
    await sign_in_page(page, operator.login, PASSWORD)
    await page.locator("body[data-live=online]").wait_for()
    buyer = await add_client(db_session, "Мария Кузнецова")
    first = await add_task(
        db_session, assignee_id=operator.id, client_id=buyer.id, title="Отправить счёт",
        due_at=ahead(seconds=1),
    )  # fmt: skip
    missed = await add_task(  # a missed call's callback, titled as the PBX listener stores it
        db_session, assignee_id=operator.id, title="Call back +79167654321", phone="+79167654321",
        due_at=ahead(seconds=1),
    )  # fmt: skip
    group = page.locator("#toasts .toast-group")
    await group.wait_for(timeout=10_000)
    assert await group.locator(".toast-count").text_content() == "2 напоминания"
    assert await page.locator("#toasts > .toast").count() == 1  # one toast, not two
    listed = group.locator(".task-toast")
    assert await listed.count() == 2
    callback = group.locator(f".task-toast[data-task-id='{missed.id}'] a.toast-link")
    assert await callback.text_content() == "Перезвонить 8 (916) 765-43-21"
    # one closed: a single toast again; then another due, grouped again; close all
    await group.locator(f".task-toast[data-task-id='{first.id}'] .toast-close").click()
    assert await page.locator("#toasts .toast-group").count() == 0
    assert await page.locator("#toasts > .task-toast").count() == 1
    await add_task(db_session, assignee_id=operator.id, title="Третье", due_at=ahead(seconds=1))
    await group.wait_for()
    await group.locator(".toast-close-all").click()
    assert await page.locator("#toasts .toast").count() == 0
    await page.goto(f"/tasks/{missed.id}")  # the task's own page reads the same
    assert await page.text_content("h1.task-heading") == "Перезвонить 8 (916) 765-43-21"


async def test_the_operator_hangs_up_and_transfers_with_a_note_the_next_agent_reads(
    page: Any, browser: Any, live_app: Any, make_user: Any, db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:  # fmt: skip
    first = await make_user("operator", extension="101", language="en", full_name="Anna")
    second = await make_user("operator", extension="102", language="en")
    await sign_in_page(page, first.login, PASSWORD)
    await page.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="noanswer")
    await pbx_path.inbound_call(agent_answers=True, talk_s=400, patience_s=900)
    pop = page.locator(".pop.talking").first
    await pop.wait_for(timeout=15_000)
    await pop.locator(".call-hangup").click()  # the operator ends the call from the screen
    await page.locator(".pop.ended").first.wait_for(timeout=15_000)
    assert not await page.locator(".pop.ended .call-controls").is_visible()

    context = await browser.new_context(base_url=str(live_app.make_url("/")).rstrip("/"))
    other = await context.new_page()
    await sign_in_page(other, second.login, PASSWORD)
    await other.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="answer", talk_s=200)  # 102 takes the transfer
    linkedid = await pbx_path.inbound_call(  # support rings its agents in order: 101 first
        caller="+79167654321", did="74951234568", ring_s=1, talk_s=400, patience_s=900
    )
    pop = page.locator(f".pop.talking[data-linkedid='{linkedid}']")
    await pop.wait_for(timeout=15_000)
    await pop.locator(".call-transfer summary").click()
    form = pop.locator("form.transfer-form")
    await form.locator("select[name=to]").select_option("agent")
    await form.locator("input[name=target]").fill("102")
    await form.locator("textarea[name=note]").fill("Wants the invoice re-issued")
    await form.locator("button[value=blind]").click()
    theirs = other.locator(f".pop[data-linkedid='{linkedid}']")
    await theirs.wait_for(timeout=15_000)
    assert "Anna" in (await theirs.locator(".pop-transfer-note").text_content() or "")
    assert "Wants the invoice re-issued" in (
        await theirs.locator(".pop-transfer-note").text_content() or ""
    )
    await context.close()


async def test_a_supervisor_listens_in_from_the_wallboard(
    page: Any,
    make_user: Any,
    db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:
    await make_user("operator", extension="101", language="en")
    supervisor = await make_user("supervisor", extension="103", language="en")
    await sign_in_page(page, supervisor.login, PASSWORD)  # lands on the wallboard
    row = page.locator("#agents li[data-interface='Local/101@agents/n']")
    await row.wait_for()
    assert not await row.locator("button.spy").first.is_visible()  # no call: nothing to hear
    linkedid = await pbx_path.inbound_call(
        did="74951234568", agent_answers=True, talk_s=300, patience_s=900
    )
    await page.locator(
        "#agents li[data-interface='Local/101@agents/n'][data-state=on_call]"
    ).wait_for(timeout=15_000)
    async with page.expect_response(f"**/api/v1/calls/{linkedid}/spy") as answered:
        await row.locator("button.spy[data-mode=listen]").click()
    assert (await answered.value).status == 202
    status = page.locator(".agent-action-error")
    await status.wait_for()
    assert "Your phone is ringing" in (await status.text_content() or "")
    async with asyncio.timeout(10):  # the supervisor's phone is rung into the call
        while not any(n.startswith("Local/103@agents") for n in pbx_path.pbx.channels):
            await asyncio.sleep(0.05)


async def test_an_attended_transfer_is_completed_by_hanging_up_and_parking_is_in_the_record(
    page: Any, browser: Any, live_app: Any, make_user: Any, db_session: Any,
    pbx_path: PbxSimulator,  # noqa: F811
) -> None:  # fmt: skip
    first = await make_user("operator", extension="101", language="en", full_name="Anna")
    second = await make_user("operator", extension="102", language="en")
    context = await browser.new_context(base_url=str(live_app.make_url("/")).rstrip("/"))
    other = await context.new_page()
    for who, tab in ((first, page), (second, other)):
        await sign_in_page(tab, who.login, PASSWORD)
        await tab.locator("#link-state[data-state=online]").wait_for()
    pbx_path.set_agent("102", mode="answer", ring_s=1, talk_s=300)
    linkedid = first_call = await pbx_path.inbound_call(
        did="74951234568", ring_s=1, talk_s=400, patience_s=900
    )
    pop = page.locator(f".pop.talking[data-linkedid='{linkedid}']")
    await pop.wait_for(timeout=15_000)
    await pop.locator(".call-transfer summary").click()
    form = pop.locator("form.transfer-form")
    await form.locator("input[name=target]").fill("102")
    await form.locator("textarea[name=note]").fill("VIP, be nice")
    await form.locator("button[value=attended]").click()
    theirs = other.locator(f".pop.talking[data-linkedid='{linkedid}']")
    await theirs.wait_for(timeout=15_000)  # 102 answered: the two agents talk
    assert "VIP, be nice" in (await theirs.locator(".pop-transfer-note").text_content() or "")
    await pop.locator(".call-hangup").click()  # the first agent hangs up: it is handed over
    await page.locator(f".pop.ended[data-linkedid='{linkedid}']").wait_for(timeout=15_000)
    assert await other.locator(f".pop.ended[data-linkedid='{linkedid}']").count() == 0

    linkedid = await pbx_path.inbound_call(  # the next caller, parked by 101
        caller="+79167654321", did="74951234568", ring_s=1, talk_s=400, patience_s=900
    )
    pop = page.locator(f".pop.talking[data-linkedid='{linkedid}']")
    await pop.wait_for(timeout=15_000)
    await pop.locator(".call-park").click()
    await page.locator(f".pop.ended[data-linkedid='{linkedid}']").wait_for(timeout=15_000)
    async with asyncio.timeout(10):  # the call's record says where the caller waits
        while "parked" not in await _timeline(db_session, linkedid):
            await asyncio.sleep(0.1)
    assert "transfer" in await _timeline(db_session, first_call)
    await context.close()


async def _timeline(session: Any, linkedid: str) -> set[str]:
    from sqlalchemy import select

    from callcenter.calls.models import CallEventRow, CallRow

    session.expire_all()
    row = await session.scalar(select(CallRow).where(CallRow.linkedid == linkedid))
    if row is None:
        return set()
    return set(
        await session.scalars(select(CallEventRow.kind).where(CallEventRow.call_id == row.id))
    )
