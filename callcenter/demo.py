"""Demo data for a newcomer's first minutes: operators with extensions, clients to pop.

Everything made here is marked (``is_demo``; the simulator's calls carry the PBX name
``simulator``) and goes with ``python -m callcenter demo-remove``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.clients.models import Channel, Client, ClientEmail, ClientPhone, Segment, Tag
from callcenter.demo_catalog import remove_catalog, seed_catalog
from callcenter.dialer.models import Campaign, CampaignContact
from callcenter.reports.rollups.deletions import note_deletions
from callcenter.tasks.models import Task
from callcenter.users.models import User
from callcenter.users.passwords import generate_password
from callcenter.users.roles import Role
from callcenter.users.service import UserInput, create_user

SIMULATOR_PBX = "simulator"
# the demo campaign's own queue, whose one agent (operator2's extension) takes no inbound
# calls: however busy the inbound floor, the campaign has an agent (the simulator's demo
# configuration has the queue, see ``ami.simulator.config.demo_config``)
CAMPAIGN_QUEUE = "campaigns"
CAMPAIGN_EXTENSION = "103"
FIRST = [
    "Александр",
    "Мария",
    "Иван",
    "Анна",
    "Дмитрий",
    "Елена",
    "Сергей",
    "Ольга",
    "Андрей",
    "Наталья",
    "Алексей",
    "Татьяна",
    "Михаил",
    "Ирина",
    "Николай",
    "Светлана",
    "Павел",
    "Юлия",
    "Артём",
    "Екатерина",
    "Владимир",
    "Ксения",
    "Максим",
    "Дарья",
    "Егор",
]
LAST = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
]
COMPANY = [
    "Вектор",
    "Ромашка",
    "Альфа",
    "Гранит",
    "Север",
    "Меридиан",
    "Прогресс",
    "Орион",
    "Радуга",
    "Импульс",
    "Стройресурс",
    "Техносфера",
    "Горизонт",
    "Восход",
    "Атлант",
]
CHANNELS = ["Яндекс.Директ", "Сайт", "Рекомендация", "Выставка", "Холодный обзвон"]
SEGMENTS = ["Розница", "Опт", "VIP"]
STAFF = [
    ("operator1", "Анна Смирнова", Role.OPERATOR, "102"),
    ("operator2", "Пётр Козлов", Role.OPERATOR, CAMPAIGN_EXTENSION),
    ("manager1", "Ольга Волкова", Role.MANAGER, None),
    ("supervisor1", "Игорь Лебедев", Role.SUPERVISOR, None),
]


def person_name(rng: random.Random, suffix: str = "") -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if first.endswith(("а", "я")):
        last += "а"
    return f"{last} {first}{suffix}"


@dataclass
class DemoLogins:
    password: str
    logins: list[str]


async def is_seeded(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count(Client.id)).where(Client.is_demo)))


async def may_seed(session: AsyncSession) -> bool:
    """Only into an empty client base: a real installation without a PBX gets the simulator,
    never demo clients mixed into its own."""
    return await session.scalar(select(Client.id).limit(1)) is None


async def seed_demo(session: AsyncSession, *, clients: int = 300, seed: int = 7) -> DemoLogins:
    """Staff sharing one generated password, the admin on extension 101, clients with phones."""
    rng = random.Random(seed)  # demo shapes, not security
    password = generate_password()
    logins = []
    for login, name, role, extension in STAFF:
        if await session.scalar(select(User.id).where(User.login == login)) is None:
            user = await create_user(
                session,
                data=UserInput(
                    login=login,
                    full_name=name,
                    role=role,
                    extension=extension or "",
                    password=password,
                    sees_all_clients=role == Role.MANAGER,
                ),
            )
            user.is_demo = True
            logins.append(login)
    await session.execute(
        update(User).where(User.login == "admin", User.extension.is_(None)).values(extension="101")
    )
    channels = [await _entry(session, Channel, name) for name in CHANNELS]
    segments = [await _entry(session, Segment, name) for name in SEGMENTS]
    manager_id = await session.scalar(select(User.id).where(User.login == "manager1"))
    vip = await session.scalar(select(Tag).where(Tag.name == "vip")) or Tag(name="vip")
    for i in range(clients):
        company = i % 8 == 0
        number = f"+7916{rng.randrange(10**7):07d}"
        session.add(
            Client(
                kind="company" if company else "person",
                is_demo=True,
                name=f"ООО «{rng.choice(COMPANY)}-{i}»" if company else person_name(rng),
                owner_id=manager_id if i % 3 else None,
                channel_id=rng.choice(channels).id,
                segment_id=rng.choice(segments).id,
                tags=[vip] if i % 10 == 1 else [],
                phones=[
                    ClientPhone(number=number, e164=number, kind="work" if company else "mobile")
                ],
                emails=[ClientEmail(email=f"client{i}@example.ru")] if i % 2 else [],
            )
        )
    await session.flush()
    await _demo_campaign(session, manager_id)
    await seed_catalog(session)
    return DemoLogins(password=password, logins=logins)


async def _demo_campaign(session: AsyncSession, manager_id: int | None) -> None:
    """A progressive campaign to start: 50 demo clients called back by the campaign's own
    queue, around the clock (a demo started at any hour dials at once)."""
    if manager_id is None:
        return
    campaign = Campaign(
        name="Весеннее предложение (демо)",
        mode="progressive",
        queue=CAMPAIGN_QUEUE,
        window_from=time(0, 0),
        window_to=time(0, 0),  # 00:00-00:00: around the clock
        script="Здравствуйте! Звоню из компании с весенним предложением: скидка 10 % на "
        "повторный заказ до конца месяца. Вам удобно говорить?",
        dispositions=[
            {"code": "sale", "label": "Заказ оформлен", "kind": "success"},
            {"code": "callback", "label": "Перезвонить", "kind": "callback"},
            {"code": "refusal", "label": "Отказ", "kind": "refusal"},
        ],
        refusal_reasons=["Дорого", "Нет потребности", "Уже купили у других"],
        weekdays=[1, 2, 3, 4, 5, 6, 7],
        retry_rules={
            "busy": {"after_minutes": 15, "max": 3},
            "no_answer": {"after_minutes": 60, "max": 3},
        },
        created_by_id=manager_id,
    )
    session.add(campaign)
    await session.flush()
    rows = await session.execute(
        select(Client.id, Client.name, ClientPhone.e164)
        .join(ClientPhone)
        .where(Client.is_demo, Client.kind == "person")
        .order_by(Client.id)
        .limit(50)
    )
    for client_id, name, e164 in rows:
        session.add(
            CampaignContact(campaign_id=campaign.id, client_id=client_id, e164=e164, name=name)
        )
    await session.flush()


async def _entry(
    session: AsyncSession, model: type[Channel] | type[Segment], name: str
) -> Channel | Segment:
    found: Channel | Segment | None = await session.scalar(
        select(model).where(model.name == name)  # type: ignore[arg-type]
    )
    if found is None:
        found = model(name=name)
        session.add(found)
        await session.flush()
    return found


async def demo_numbers(session: AsyncSession, limit: int = 500) -> list[str]:
    """Numbers of demo clients, for the simulator's callers."""
    rows = await session.scalars(
        select(ClientPhone.e164).join(Client).where(Client.is_demo).limit(limit)
    )
    return list(rows)


async def remove_demo(session: AsyncSession) -> dict[str, int]:
    """Delete the demo: its clients, staff, the simulator's calls and their callback tasks."""
    calls = select(CallRow.id).where(CallRow.pbx == SIMULATOR_PBX)
    demo_staff = select(User.id).where(User.is_demo)
    await note_deletions(  # the report rollups take what goes out of their figures
        session,
        campaigns=select(Campaign.id).where(Campaign.created_by_id.in_(demo_staff)),
        tasks=select(Task.id).where(Task.call_id.in_(calls)),
        calls=calls,
        clients=select(Client.id).where(Client.is_demo),
    )
    counts = {
        "campaigns": await _delete(
            session, delete(Campaign).where(Campaign.created_by_id.in_(demo_staff))
        ),
        "tasks": await _delete(session, delete(Task).where(Task.call_id.in_(calls))),
        "calls": await _delete(session, delete(CallRow).where(CallRow.pbx == SIMULATOR_PBX)),
        "clients": await _delete(session, delete(Client).where(Client.is_demo)),
        "users": await _delete(session, delete(User).where(User.is_demo)),
        **await remove_catalog(session),
    }
    await session.execute(
        update(User).where(User.login == "admin", User.extension == "101").values(extension=None)
    )
    for model, names in ((Channel, CHANNELS), (Segment, SEGMENTS)):
        await session.execute(
            delete(model).where(model.name.in_(names), ~model.id.in_(_used(model)))
        )
    return counts


async def _delete(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.returning(literal(1)))
    return len(result.all())


def _used(model: type[Channel] | type[Segment]) -> Any:
    column = Client.channel_id if model is Channel else Client.segment_id
    return select(column).where(column.is_not(None))
