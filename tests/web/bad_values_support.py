"""What the bad-values walk needs: one of each thing (so ids reach handlers) and field names.

Every seeded row is the first of its table (the tables are truncated with their identities
restarted), so id 1 names a real client, order, invoice, task, campaign ... on every route.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.dialer.campaigns import create_campaign
from callcenter.dialer.consents import ConsentInput, record_consent
from callcenter.feedback.input import FeedbackInput
from callcenter.feedback.service import create_feedback
from callcenter.floor.admin import add_pause_reason
from callcenter.floor.dnc import add_to_dnc
from callcenter.invoices.service import issue_invoice, record_payment
from callcenter.mailings.input import MailingInput
from callcenter.mailings.service import create_mailing
from callcenter.partners.attribution import attribute_client
from callcenter.partners.plans import PlanInput, save_group, save_plan
from callcenter.partners.service import PartnerInput, create_partner
from callcenter.products.service import ProductInput, save_product
from callcenter.reports.filters import FILTER_NAMES
from callcenter.settings import Settings
from callcenter.tasks.models import Task
from callcenter.users.models import User
from tests.campaigns.support import add_queue, campaign_input
from tests.invoices.support import add_client, add_order, set_up_company

ROOT = Path(__file__).resolve().parents[2]

# numbers past every column, NUL bytes, money past Numeric, dates past any sane range
HUGE = 99999999999999999999
BAD_SCALARS: tuple[Any, ...] = (
    2**31,  # one past int32: every id and count column
    HUGE,  # past int64 too
    -1,
    10**70,  # a payment of 10^70
    "1\x00",  # PostgreSQL cannot store NUL in text
    "NaN",
    "Infinity",
    "9999-12-31",  # the date that stopped the manager-hours rollup
    "0001-01-01",
    "99999999999999999999.99",
    # the largest a money field takes (Numeric(14, 2)): a price, quantity or count that fits
    # alone but whose product, sum or VAT on top does not
    "999999999999.99",
)
# longer than any column of text (a query string cannot carry it past aiohttp's 8 KB line)
LONG_TEXT = "Ж" * 400  # past every String(300) of ours
# the reports share one filter parser: every report gets these, the first one every value
REPORT_SCALARS: tuple[Any, ...] = (2**31, "1\x00", "9999-12-31")
BAD_PATH_IDS = ("2147483648", str(HUGE), "1%00")
BAD_PATH_WORDS = ("1%00", str(2**63), "x" * 300)


def _names(patterns: tuple[str, ...], paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        source = path.read_text()
        for pattern in patterns:
            names.update(re.findall(pattern, source))
    return names


def field_names() -> list[str]:
    """Every name a form or JSON body of ours reads, from the code and the pages' forms."""
    code = list((ROOT / "web").rglob("*.py"))
    names = _names(
        (
            r"""\.get(?:all)?\(\s*["'](\w+)["']""",
            r"""body\[["'](\w+)["']\]""",
            r"""["'](\w+)["'] in body""",
            r"""int_field\(\w+, ["'](\w+)["']""",
        ),
        code,
    )
    names |= _names((r'name="(\w+)"',), list((ROOT / "templates").rglob("*.html")))
    names -= {"csrf_token", "Authorization", "Idempotency-Key", "format", "delimiter", "lang"}
    names |= {"id", "page", "per_page", "limit", "offset", "amount", "due_at", "q", "name"}
    return sorted(n for n in names if n.isidentifier() and not n.isupper())


def query_names() -> list[str]:
    """Every name a query string of ours is read by (the report filters' included)."""
    code = [*(ROOT / "web").rglob("*.py"), *(ROOT / "callcenter" / "reports").glob("*.py")]
    names = _names(
        (
            r"""\b(?:q|query|request\.query)\.get(?:all)?\(\s*["'](\w+)["']""",
            r"""int_field\((?:q|request\.query), ["'](\w+)["']""",
        ),
        code,
    )
    names |= set(FILTER_NAMES)
    return sorted(names | {"page", "per_page", "limit", "offset", "client_id", "order_id"})


async def seed(session: AsyncSession, admin: User, settings: Settings) -> None:
    """One of each thing a route's path names, all with id 1."""
    await set_up_company(session, admin)
    client = await add_client(session, admin)
    order = await add_order(session, admin, client, settings)
    invoice = await issue_invoice(session, client_id=client.id, lines=None, by=admin, order_id=1)
    await record_payment(
        session, invoice_id=invoice.id, amount="100", paid_on=date.today(), by=admin
    )
    session.add(Task(kind="call", title="Call back", due_at=datetime.now(UTC) + timedelta(days=1)))
    await create_feedback(
        session,
        data=FeedbackInput(client_id=client.id, order_id=order.id, text="Late delivery"),
        actor=admin,
    )
    await session.commit()
    await add_queue(session)
    await create_campaign(session, data=campaign_input(), actor=admin, region="RU")
    await add_to_dnc(session, number="+79160000001", reason="asked", actor=admin, region="RU")
    await record_consent(
        session,
        client_id=client.id,
        data=ConsentInput(number="+79161234567", given_by="Анна", given_at="2026-01-10T10:00"),
        actor=admin,
        region="RU",
        timezone="Europe/Moscow",
    )
    await add_pause_reason(session, name="Lunch", actor=admin)
    await save_product(session, data=ProductInput(name="Cable", price="10"), actor=admin)
    await create_mailing(
        session,
        data=MailingInput(name="Spring", subject="Hi", body_text="{{ unsubscribe_url }}"),
        actor=admin,
        timezone="Europe/Moscow",
        rate_cap=600,
    )
    await session.commit()
    await _seed_partners(session, admin, client.id)


async def _seed_partners(session: AsyncSession, admin: User, client_id: int) -> None:
    """Plan 1, group 1, partner 1 (the client) with client 1 attributed to it."""
    group = await save_group(session, name="Cables", product_ids=[1], actor=admin)
    plan = await save_plan(
        session,
        data=PlanInput(name="Standard", rates="10; 5", group_rates={group.id: "12"}),
        actor=admin,
    )
    await create_partner(
        session, data=PartnerInput(client_id=client_id, code="WALK1", plan_id=plan.id), actor=admin
    )
    await attribute_client(session, client_id=client_id, code="WALK1", actor=admin)
    await session.commit()
