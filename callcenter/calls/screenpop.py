"""What an operator sees when their phone rings: who is calling, and what we know of them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.clients.service import in_scope
from callcenter.db import utcnow
from callcenter.dialer.pop import CampaignPop, campaign_pop
from callcenter.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class PopOrder:
    """An open order of the caller, as the pop lists it."""

    id: int
    number: str
    client_id: int
    status_ru: str
    status_en: str
    total: Decimal
    currency: str
    overdue: bool  # its stage's deadline has passed

    def status(self, language: str) -> str:
        return self.status_ru if language == "ru" else self.status_en


@dataclass(frozen=True)
class PopClient:
    """A client with the caller's number, as the pop shows them."""

    id: int
    name: str
    company: str | None  # the company's name
    owner: str | None  # the owner's display name
    tags: list[str]
    owner_id: int | None = None


@dataclass(frozen=True)
class PopTask:
    due_at: datetime
    title: str
    client_id: int | None = None


@dataclass(frozen=True)
class PopCall:
    started_at: datetime
    direction: str
    outcome: str | None


@dataclass
class ScreenPop:
    linkedid: str
    number: str  # the outside party, E.164 where known
    direction: str
    queue: str
    clients: list[PopClient] = field(default_factory=list)  # several: the operator chooses
    last_calls: list[PopCall] = field(default_factory=list)
    tasks: list[PopTask] = field(default_factory=list)
    complaints: dict[int, int] = field(default_factory=dict)  # client id: open complaints
    orders: list[PopOrder] = field(default_factory=list)  # open ones, newest first
    campaign: CampaignPop | None = None  # a campaign's call: its contact, script, dispositions
    script: str = ""  # any other call of a queue: the script of the campaign working that queue
    transfer_note: str = ""  # a transferred call: what the agent who transferred it wrote
    transfer_by: str = ""
    hidden_clients: int = 0  # clients with this number the viewer may not see

    @property
    def unknown(self) -> bool:
        return not self.clients and not self.hidden_clients

    def seen_in(self, scope: int | None) -> ScreenPop:
        """The card as a viewer of this client ``scope`` may see it (the client API's rule,
        ``callcenter.clients.service.client_scope``): another manager's client is only
        counted, with nothing of it, its orders, tasks or complaints, nor, when it is the
        only holder of the number, the number's last calls."""
        if scope is None:
            return self
        seen = [c for c in self.clients if in_scope(scope, c.owner_id)]
        if len(seen) == len(self.clients):
            return self
        ids = {c.id for c in seen}
        return replace(
            self,
            clients=seen,
            hidden_clients=len(self.clients) - len(seen),
            last_calls=self.last_calls if seen else [],
            tasks=[t for t in self.tasks if t.client_id in ids],
            complaints={k: v for k, v in self.complaints.items() if k in ids},
            orders=[o for o in self.orders if o.client_id in ids],
        )


# The whole card in one statement: at a busy call center's peak a pop is rendered hundreds
# of times a second, and each round trip costs the web process more than the reading does.
# $1 the number as the PBX gave it, $2 the linkedid, $3 the queue. A dialer call (found by the
# Originate's ActionID or the linkedid it saw) takes its contact's number when the agent rings
# first; any other call of a queue, the script of the campaign working that queue. The last
# calls are two index ranges, (caller, started_at) and (callee, started_at), five of each:
# one ``caller = n OR callee = n`` walked every call newest first for a first-time caller.
# Each range is a BETWEEN ordered by its index's whole key, not an equality: a number not
# known when the statement is planned looks, to the planner, as common as the DID every
# inbound call has as its callee, and with ``callee = n`` (the key's first column then a
# constant) it would walk ``started_at`` again; no other index gives this order.
POP_SQL = """
WITH attempt AS (
    SELECT a.id, cc.e164
    FROM campaign_attempts a JOIN campaign_contacts cc ON cc.id = a.contact_id
    WHERE $2 <> '' AND (a.action_id = $2 OR a.linkedid = $2)
    ORDER BY a.id DESC LIMIT 1
), dialed AS (
    SELECT CASE WHEN left($1, 1) = '+' THEN $1
                ELSE coalesce((SELECT e164 FROM attempt), $1) END AS number
), found AS (
    SELECT c.id, c.name, c.updated_at, c.owner_id, co.name AS company,
           coalesce(nullif(u.full_name, ''), u.login) AS owner
    FROM client_phones p
    JOIN clients c ON c.id = p.client_id
    LEFT JOIN clients co ON co.id = c.company_id
    LEFT JOIN users u ON u.id = c.owner_id
    WHERE p.e164 = (SELECT number FROM dialed WHERE left(number, 1) = '+')
      AND c.merged_into_id IS NULL
    ORDER BY c.updated_at DESC, c.id DESC
    LIMIT 5
)
SELECT
    (SELECT id FROM attempt) AS attempt_id,
    (SELECT number FROM dialed) AS number,
    (SELECT cp.script FROM campaigns cp WHERE $3 <> '' AND cp.queue = $3 AND cp.script <> ''
     ORDER BY cp.state = 'running' DESC, cp.id DESC LIMIT 1) AS queue_script,
    (SELECT json_build_object('note', pc.payload->>'note',
                              'by', coalesce(nullif(u.full_name, ''), u.login))
     FROM pbx_commands pc LEFT JOIN users u ON u.id = pc.user_id
     WHERE $2 <> '' AND pc.linkedid = $2
       AND pc.kind IN ('blind_transfer', 'attended_transfer') AND pc.state <> 'failed'
       AND coalesce(pc.payload->>'note', '') <> ''
     ORDER BY pc.id DESC LIMIT 1) AS transfer_note,
    (SELECT json_agg(json_build_object(
        'id', f.id, 'name', f.name, 'company', f.company, 'owner', f.owner,
        'owner_id', f.owner_id,
        'tags', ARRAY(SELECT t.name FROM client_tags ct JOIN tags t ON t.id = ct.tag_id
                      WHERE ct.client_id = f.id ORDER BY t.name),
        'complaints', (SELECT count(*) FROM feedback fb WHERE fb.client_id = f.id
                       AND fb.kind = 'complaint' AND fb.status <> 'resolved')
     ) ORDER BY f.updated_at DESC, f.id DESC) FROM found f) AS clients,
    (SELECT json_agg(json_build_object(
        'at', extract(epoch FROM k.started_at), 'direction', k.direction, 'outcome', k.outcome
     ) ORDER BY k.started_at DESC) FROM (
        SELECT started_at, direction, outcome FROM (
            (SELECT id, started_at, direction, outcome FROM calls
             WHERE caller BETWEEN (SELECT number FROM dialed WHERE left(number, 1) = '+')
                            AND (SELECT number FROM dialed)
               AND linkedid <> $2 AND ended_at IS NOT NULL
             ORDER BY caller DESC, started_at DESC LIMIT 5)
            UNION
            (SELECT id, started_at, direction, outcome FROM calls
             WHERE callee BETWEEN (SELECT number FROM dialed WHERE left(number, 1) = '+')
                            AND (SELECT number FROM dialed)
               AND linkedid <> $2 AND ended_at IS NOT NULL
             ORDER BY callee DESC, started_at DESC LIMIT 5)
        ) either ORDER BY started_at DESC LIMIT 5) k) AS last_calls,
    (SELECT json_agg(json_build_object(
        'due', extract(epoch FROM t.due_at), 'title', t.title, 'client_id', t.client_id
     ) ORDER BY t.due_at) FROM (
        SELECT due_at, title, client_id FROM tasks
        WHERE client_id IN (SELECT id FROM found) AND status = 'open'
        ORDER BY due_at LIMIT 5) t) AS tasks,
    (SELECT json_agg(json_build_object(
        'id', o.id, 'number', o.number, 'client_id', o.client_id, 'ru', o.name_ru,
        'en', o.name_en, 'total', o.total::text, 'currency', o.currency, 'overdue', o.overdue
     ) ORDER BY o.created_at DESC, o.id DESC) FROM (
        SELECT o.id, o.number, o.client_id, s.name_ru, s.name_en, o.total, o.currency,
               o.created_at, coalesce(o.stage_due_at < now(), false) AS overdue
        FROM orders o JOIN order_statuses s ON s.id = o.status_id
        WHERE o.client_id IN (SELECT id FROM found) AND s.kind = 'open'
        ORDER BY o.created_at DESC, o.id DESC LIMIT 5) o) AS orders
"""


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


async def build_pop(
    session: AsyncSession, *, linkedid: str, number: str, direction: str, queue: str = ""
) -> ScreenPop:
    """The caller's card: one statement (the driver decodes its JSON), and for a dialer
    call the campaign's part; a queue's inbound call gets the script of that queue's
    campaign (the running one first)."""
    connection = await session.connection()
    row = (await connection.exec_driver_sql(POP_SQL, (number, linkedid, queue))).one()
    pop = ScreenPop(linkedid=linkedid, number=row.number, direction=direction, queue=queue)
    if row.attempt_id is not None:
        pop.campaign = await campaign_pop(session, row.attempt_id)
    else:  # a queue's call: the script of the campaign working that queue, as VICIdial shows
        pop.script = row.queue_script or ""
    if row.transfer_note:
        pop.transfer_note, pop.transfer_by = row.transfer_note["note"], row.transfer_note["by"]
    for c in row.clients or ():
        pop.clients.append(
            PopClient(c["id"], c["name"], c["company"], c["owner"], c["tags"], c["owner_id"])
        )
        if c["complaints"]:
            pop.complaints[c["id"]] = c["complaints"]
    pop.last_calls = [
        PopCall(_moment(k["at"]), k["direction"], k["outcome"]) for k in row.last_calls or ()
    ]
    pop.tasks = [PopTask(_moment(t["due"]), t["title"], t["client_id"]) for t in row.tasks or ()]
    for o in row.orders or ():
        names = o["ru"], o["en"]
        money = Decimal(o["total"]), o["currency"]
        pop.orders.append(
            PopOrder(o["id"], o["number"], o["client_id"], *names, *money, o["overdue"])
        )
    return pop


async def open_orders(
    session: AsyncSession, client_ids: list[int], *, limit: int = 5, now: datetime | None = None
) -> list[PopOrder]:
    """The clients' orders still in an open stage, newest first: one query, columns only
    (``ix_orders_client_created`` finds them)."""
    if not client_ids:
        return []
    rows = await session.execute(
        select(
            Order.id,
            Order.number,
            Order.client_id,
            OrderStatus.name_ru,
            OrderStatus.name_en,
            Order.total,
            Order.currency,
            Order.stage_due_at,
        )
        .join(OrderStatus, OrderStatus.id == Order.status_id)
        .where(Order.client_id.in_(client_ids), OrderStatus.kind == "open")
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    now = now or utcnow()
    return [
        PopOrder(*row[:7], overdue=row.stage_due_at is not None and row.stage_due_at < now)
        for row in rows.all()
    ]


async def ringing_for_extension(session: AsyncSession, extension: str) -> list[CallRow]:
    """Calls ringing at this extension now: what a (re)connecting operator page must show."""
    legs = select(CallLegRow.call_id).where(
        CallLegRow.agent.in_([extension, f"PJSIP/{extension}", f"SIP/{extension}"])
        | CallLegRow.agent.like(f"Local/{extension}@%"),
        CallLegRow.answered_at.is_(None),
        CallLegRow.ended_at.is_(None),
    )
    rows = await session.scalars(
        select(CallRow)
        .where(CallRow.id.in_(legs), CallRow.ended_at.is_(None))
        .order_by(CallRow.started_at)
    )
    return list(rows)
