"""The rows ``bench/reports.py`` fills: everything every report's rollups read, made by the
server (``INSERT ... SELECT`` over ``generate_series``), in the order foreign keys need.

Placeholders (our own numbers, written into the SQL): {clients} {orders} {calls} {start}
and {end} (the year's first instant, and the next: the year ends at today's UTC midnight, so
no row is stamped in the future) {scale} {agents} (users 1..MANAGERS are managers, the next
ones operators; users up to {agents} take calls on extension 99 + id).
"""

from __future__ import annotations

MANAGERS, AGENTS, OPERATORS = 40, 200, 210  # users: managers first, then operators
CHANNELS, SEGMENTS, TAGS, PRODUCTS, CAMPAIGNS = 12, 8, 20, 500, 20
REGIONS = (
    "г. Москва, ул. Тверская, {}",
    "Московская обл., г. Подольск, ул. Ленина, {}",
    "г. Санкт-Петербург, Невский пр., {}",
    "Краснодарский край, г. Сочи, ул. Мира, {}",
    "Республика Татарстан, г. Казань, ул. Баумана, {}",
    "Свердловская область, г. Екатеринбург, ул. Малышева, {}",
    "Новосибирская обл., г. Новосибирск, Красный пр., {}",
    "",
)
_ADDRESS = "(ARRAY[{}])[1 + g % {}]".format(
    ", ".join(f"'{a.replace('{}', '')}'" for a in REGIONS), len(REGIONS)
)
DISPOSITIONS = (
    (
        '[{"code": "sale", "label": "Sale", "kind": "success"},'
        ' {"code": "later", "label": "Call later", "kind": "callback"},'
        ' {"code": "no", "label": "Not interested", "kind": "refusal"},'
        ' {"code": "wrong", "label": "Wrong number", "kind": "other"}]'
    )
    .replace("{", "{{")
    .replace("}", "}}")
)  # braces kept through str.format
REASONS = ("expensive", "has a supplier", "no need", "bad timing", "")

# clients come over a year and a half (half a year before the bench's year); each client's
# owner, channel, segment: manager 1 + id % MANAGERS (one in ten has none) ...
_OWNER = f"CASE WHEN {{0}} % 10 = 0 THEN NULL ELSE 1 + {{0}} % {MANAGERS} END"
_CLIENT_AT = (
    "{start}::timestamptz - interval '182 days' + (g % 547) * interval '1 day'"
    " + (g % 86400) * interval '1 s'"
)

FILL: list[str] = [
    f"""INSERT INTO users (id, login, full_name, password_hash, role, language, timezone,
           extension, sees_all_clients, active, session_version, is_demo)
        SELECT u, 'bench' || u, 'User ' || u, '-', CASE WHEN u <= {MANAGERS} THEN 'manager'
               ELSE 'operator' END, 'en', 'Europe/Moscow', (99 + u)::text, false, true, 0, false
        FROM generate_series(1, {OPERATORS}) u""",
    f"SELECT setval('users_id_seq', {OPERATORS})",
    f"""INSERT INTO channels (id, name, active)
        SELECT g, 'Channel ' || g, true FROM generate_series(1, {CHANNELS}) g""",
    f"""INSERT INTO segments (id, name, active)
        SELECT g, 'Segment ' || g, true FROM generate_series(1, {SEGMENTS}) g""",
    f"INSERT INTO tags (id, name) SELECT g, 'tag ' || g FROM generate_series(1, {TAGS}) g",
    f"""INSERT INTO products (id, name, sku, unit_code, price, cost, vat_rate, active,
           updated_at)
        SELECT p, 'Product ' || p, '', '796', 100 + p * 37 % 9000,
               CASE WHEN p % 5 = 0 THEN NULL ELSE round((100 + p * 37 % 9000) * 0.6, 2) END,
               '22', true, now() - interval '1 day'
        FROM generate_series(1, {PRODUCTS}) p""",
    f"""INSERT INTO clients (id, kind, name, legal_address, postal_address, bank_name, notes,
           is_demo, owner_id, channel_id, segment_id, created_at, updated_at)
        SELECT g, 'person', 'Клиент ' || g, '', {_ADDRESS}, '', '', false,
               {_OWNER.format("g")},
               CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % {CHANNELS} END,
               CASE WHEN g % 6 = 0 THEN NULL ELSE 1 + g % {SEGMENTS} END,
               {_CLIENT_AT}, now() - interval '1 day'
        FROM generate_series(1, {{clients}}) g""",
    "SELECT setval('clients_id_seq', {clients})",
    f"""INSERT INTO client_tags (client_id, tag_id)
        SELECT g, 1 + (g / 3 + k) % {TAGS} FROM generate_series(1, {{clients}}) g,
               generate_series(0, 1) k
        WHERE g % 3 = 0 AND (k = 0 OR g % 2 = 0)""",
    # orders: a client's order comes after the client did; lines of 1-3 catalog products
    # (one in five with no cost); a stage from the pipeline: 55 % delivered, 15 % cancelled
    # or refused, the rest open
    f"""INSERT INTO orders (id, number, client_id, manager_id, channel_id, status_id,
           status_changed_at, stage_due_at, currency, total, notes, created_at, updated_at)
        SELECT g, 'B-' || g, c, {_OWNER.format("c")},
               CASE WHEN g % 10 = 0 THEN 1 + g % {CHANNELS} END, s.id,
               least(t.at + s.position / 10 * interval '1 day', {{end}}::timestamptz),
               CASE WHEN s.kind = 'open' THEN t.at
                    + (s.position / 10 + coalesce(s.deadline_days, 0)) * interval '1 day' END,
               'RUB', l.total, '', t.at, now() - interval '1 day'
        FROM generate_series(1, {{orders}}) g
        CROSS JOIN LATERAL (SELECT (1 + (g::bigint * 7919) % {{clients}})::int AS c) k
        CROSS JOIN LATERAL (SELECT {{start}}::timestamptz + ((greatest(c % 547 - 182, 0)
                + g % 40) % 365) * interval '1 day' + (8 + g % 11) * interval '1 hour' AS at) t
        CROSS JOIN LATERAL (SELECT id, position, kind, deadline_days FROM order_statuses
            ORDER BY position OFFSET (ARRAY[0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 6, 7, 5, 5,
                5, 5, 6, 5])[1 + g % 20] LIMIT 1) s
        CROSS JOIN LATERAL (SELECT sum((1 + (g + n) % 3) * (100 + p * 37 % 9000)) AS total
            FROM generate_series(1, 1 + g % 3) n,
                 LATERAL (SELECT 1 + (g * 13 + n * 101) % {PRODUCTS} AS p) pp) l""",
    "SELECT setval('orders_id_seq', {orders})",
    f"""INSERT INTO order_lines (order_id, position, product_id, description, unit_code,
           quantity, price, discount_percent, vat_rate, amount)
        SELECT g, n, p, 'Product ' || p, '796', 1 + (g + n) % 3, 100 + p * 37 % 9000, 0, '22',
               (1 + (g + n) % 3) * (100 + p * 37 % 9000)
        FROM generate_series(1, {{orders}}) g, generate_series(1, 3) n,
             LATERAL (SELECT 1 + (g * 13 + n * 101) % {PRODUCTS} AS p) pp
        WHERE n <= 1 + g % 3""",
    """INSERT INTO order_status_changes (order_id, from_status_id, to_status_id, user_id, at,
           reason)
        SELECT o.id, NULL, 1, o.manager_id, o.created_at, '' FROM orders o
        UNION ALL
        SELECT o.id, 1, o.status_id, o.manager_id, o.status_changed_at, '' FROM orders o
        WHERE o.status_id <> 1""",
    """INSERT INTO queues (pbx, name, title, service_level_seconds, wrapup_seconds, strategy,
           pbx_service_level_seconds, on_pbx, allowed_user_ids)
        SELECT 'default', 'q' || g, 'Queue ' || g, 20, 5, '', 20, true, '{{}}'
        FROM generate_series(1, 10) g""",
    # calls over the year's working hours (8-20 UTC), each with a client (one in nine
    # unknown); one inbound in four of the answered ones is wrapped up by its agent
    """INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, client_id,
           started_at, answered_at, ended_at, outcome, wait_seconds, talk_seconds,
           hold_seconds, recording, agents, updated_at)
       SELECT 'b' || g, 'default', d.direction,
              CASE WHEN d.direction = 'inbound' THEN '+79' || lpad((g % {clients})::text, 9, '0')
                   ELSE '1' || (g % 200) END,
              CASE WHEN d.direction = 'outbound' THEN '+79' || lpad((g % {clients})::text, 9, '0')
                   ELSE '2' || (g % 200) END,
              CASE WHEN d.direction = 'inbound' AND g % 10 < 8 THEN 'q' || (1 + g % 10) ELSE '' END,
              CASE WHEN g % 9 <> 0 THEN 1 + g % {clients} END,
              t.at, CASE WHEN o.outcome = 'answered' THEN t.at + interval '20 s' END,
              t.at + ((g % 600) + 30) * interval '1 s', o.outcome, g % 90, (g % 600), g % 7, '',
              '{{}}', now() - interval '1 day'
       FROM generate_series(1, {calls}) g
       CROSS JOIN LATERAL (SELECT {start}::timestamptz + (g % 365) * interval '1 day'
                           + (8 + g % 12) * interval '1 hour' + (g % 3599) * interval '1 s'
                           AS at) t
       CROSS JOIN LATERAL (SELECT (ARRAY['inbound', 'inbound', 'inbound', 'outbound',
                                         'internal'])[1 + g % 5] AS direction) d
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 13 = 0 THEN 'abandoned'
                                       WHEN g % 17 = 0 THEN 'no_answer'
                                       ELSE 'answered' END AS outcome) o""",
    """INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, entered_at,
           outcome, position, connected_at, ended_at, wait_seconds, talk_seconds, agent,
           ended_by)
       SELECT 'default', c.linkedid || '/' || c.queue, c.queue, c.linkedid, c.linkedid,
              c.caller, c.started_at,
              CASE c.outcome WHEN 'answered' THEN 'completed' ELSE 'abandoned' END, 1,
              c.answered_at, c.ended_at, c.wait_seconds::int,
              CASE WHEN c.outcome = 'answered' THEN c.talk_seconds::int END,
              CASE WHEN c.outcome = 'answered' THEN 'PJSIP/' || (100 + c.id % {agents}) ELSE ''
              END, 'caller'
       FROM calls c WHERE c.queue <> ''""",
    """INSERT INTO call_legs (call_id, uniqueid, channel, agent, user_id, started_at,
           answered_at, ended_at, talk_seconds, hold_seconds)
       SELECT c.id, c.linkedid || '.a', 'PJSIP/' || (100 + c.id % {agents}),
              'PJSIP/' || (100 + c.id % {agents}), 1 + c.id % {agents}, c.started_at,
              c.answered_at, c.ended_at, c.talk_seconds, 0
       FROM calls c WHERE c.outcome = 'answered'""",
    """INSERT INTO call_wrapups (call_id, user_id, result, note, created_at)
       SELECT c.id, 1 + c.id % {agents},
              (ARRAY['resolved', 'follow_up', 'sale', 'complaint', 'wrong_number', 'other',
                     'resolved', 'sale'])[1 + c.id / 4 % 8], '', c.ended_at + interval '30 s'
       FROM calls c WHERE c.outcome = 'answered' AND c.direction = 'inbound' AND c.id % 4 = 0""",
    """INSERT INTO agent_states (pbx, interface, extension, status, reason, started_at,
           ended_at)
       SELECT 'default', 'PJSIP/' || (100 + a), (100 + a)::text,
              (ARRAY['available', 'ringing', 'on_call', 'wrap_up', 'paused', 'available'])
                [1 + s % 6],
              CASE WHEN s % 6 = 4 THEN (ARRAY['Lunch', 'Training', 'Break'])[1 + s % 3]
                   ELSE '' END,
              {start}::timestamptz + d * interval '1 day' + interval '8 hours'
                + s * interval '6 minutes',
              {start}::timestamptz + d * interval '1 day' + interval '8 hours'
                + (s + 1) * interval '6 minutes'
       FROM generate_series(0, {agents} - 1) a, generate_series(0, 364) d,
            generate_series(0, 119) s
       WHERE (a + d) % 7 < 5 AND random() < {scale}""",
    # campaigns: twenty, each with a list of contacts (nine in ten known clients) and their
    # attempts; a connected attempt gets a disposition from the agent who took it and the
    # linkedid of an outbound call ('b' || g, g % 5 = 3) no other attempt has, while there
    # are calls enough (the calls report's campaign)
    f"""INSERT INTO campaigns (id, name, mode, state, pbx, queue, agent_ids, caller_id, script,
           dispositions, refusal_reasons, advertising, weekdays, window_from, window_to,
           retry_rules, max_attempts, ring_seconds, max_dial_ratio, abandon_cap_percent,
           abandon_grace_seconds, dial_ratio, created_at)
        SELECT g, 'Campaign ' || g, 'progressive', 'stopped', 'default', '', '{{{{}}}}', '', '',
               '{DISPOSITIONS}', '["expensive", "has a supplier", "no need", "bad timing"]',
               false, '{{{{1,2,3,4,5}}}}', '09:00', '21:00', '{{{{}}}}', 5, 25, 3, 3, 2, 1,
               {{start}}::timestamptz + (g * 17 % 300) * interval '1 day'
        FROM generate_series(1, {CAMPAIGNS}) g""",
    f"SELECT setval('campaigns_id_seq', {CAMPAIGNS})",
    f"""INSERT INTO campaign_contacts (id, campaign_id, client_id, e164, name, timezone,
           timezone_source, state, attempts, last_outcome, disposition, refusal_reason,
           agent_id)
        SELECT g, 1 + g % {CAMPAIGNS}, CASE WHEN g % 10 <> 0 THEN 1 + (g * 31) % {{clients}} END,
               '+78' || lpad(g::text, 9, '0'), '', '', '', 'done', 2, '', '', '', NULL
        FROM generate_series(1, ({{clients}} * 2 / 5)::int) g""",
    f"""INSERT INTO campaign_attempts (campaign_id, contact_id, action_id, number, started_at,
           answered_at, connected_at, ended_at, outcome, linkedid, agent_id, agent_interface,
           disposition, refusal_reason, note, dispositioned_at)
        SELECT cc.campaign_id, cc.id, 'ba' || cc.id || '.' || n, cc.e164, t.at,
               CASE WHEN x.reached THEN t.at + interval '10 s' END,
               CASE WHEN x.reached THEN t.at + interval '12 s' END, t.at + interval '3 min',
               CASE WHEN x.reached THEN 'answered' ELSE 'no_answer' END,
               CASE WHEN x.reached AND 5 * (cc.id * 6 + n - 1) + 3 <= {{calls}}
                    THEN 'b' || (5 * (cc.id * 6 + n - 1) + 3) ELSE '' END,
               CASE WHEN x.reached THEN {MANAGERS} + 1 + cc.id % ({OPERATORS} - {MANAGERS}) END,
               '', CASE WHEN x.reached THEN (ARRAY['sale', 'later', 'no', 'no', 'wrong', 'no'])
                   [1 + (cc.id + n) % 6] ELSE '' END,
               CASE WHEN x.reached AND (cc.id + n) % 6 IN (2, 3, 5)
                    THEN (ARRAY{list(REASONS)})[1 + cc.id % {len(REASONS)}] ELSE '' END,
               '', CASE WHEN x.reached THEN t.at + interval '4 min' END
        FROM campaign_contacts cc, generate_series(1, 1 + cc.id % 6) n
        CROSS JOIN LATERAL (SELECT {{start}}::timestamptz + ((cc.id * 3 + n * 5) % 365)
            * interval '1 day' + (9 + cc.id % 10) * interval '1 hour' AS at) t
        CROSS JOIN LATERAL (SELECT (cc.id + n) % 5 < 3 AS reached) x""",
    # feedback: a complaint, an NPS answer or a rating from about one client in seven
    f"""INSERT INTO feedback (kind, status, client_id, owner_id, text, resolution,
           score_scale, score, created_at, updated_at, resolved_at)
        SELECT CASE WHEN g % 5 = 0 THEN 'complaint' ELSE 'review' END,
               CASE WHEN g % 5 = 0 AND g % 3 = 0 THEN 'new' ELSE 'resolved' END,
               1 + (g * 17) % {{clients}}, {_OWNER.format("g")}, 'text', 'done',
               CASE WHEN g % 5 = 0 THEN NULL WHEN g % 2 = 0 THEN 'nps' ELSE 'rating' END,
               CASE WHEN g % 5 = 0 THEN NULL WHEN g % 2 = 0 THEN g % 11 ELSE 1 + g % 5 END,
               t.at, now() - interval '1 day', t.at + interval '1 day'
        FROM generate_series(1, ({{clients}} / 7)::int) g
        CROSS JOIN LATERAL (SELECT {{start}}::timestamptz + (g % 365) * interval '1 day'
            + (9 + g % 9) * interval '1 hour' AS at) t""",
    # tasks: call-backs and shipments for every manager and operator, mostly done in time
    f"""INSERT INTO tasks (kind, title, notes, due_at, status, assignee_id, queue, client_id,
           phone, repeats, created_at, updated_at, done_at)
        SELECT (ARRAY['call', 'email', 'shipment', 'other'])[1 + g % 4], 'Task ' || g, '',
               t.at, CASE WHEN g % 10 = 0 THEN 'cancelled' WHEN g % 10 = 1 THEN 'open'
                   ELSE 'done' END,
               1 + g % {OPERATORS}, '', 1 + (g * 13) % {{clients}}, '', 1,
               t.at - interval '2 days', now() - interval '1 day',
               CASE WHEN g % 10 > 1 THEN t.at + (g % 5 - 3) * interval '1 hour' END
        FROM generate_series(1, ({{clients}} * 3 / 10)::int) g
        CROSS JOIN LATERAL (SELECT {{start}}::timestamptz + (g % 365) * interval '1 day'
            + (9 + g % 9) * interval '1 hour' AS at) t""",
]


def statements(
    *, clients: int, orders: int, calls: int, start: str, end: str, scale: float
) -> list[str]:
    """The fill with our numbers written in (they are ours, not a user's)."""
    values = {
        "clients": clients,
        "orders": orders,
        "calls": calls,
        "start": f"'{start}'",
        "end": f"'{end}'",
        "scale": scale,
        "agents": AGENTS,
    }
    return [statement.format(**values) for statement in FILL]
