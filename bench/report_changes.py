"""What ``bench/reports.py`` does to a filled database besides filling it: a busy few hours
of new rows (to time a refresh), and the agent-status hours (and their days) made in one
pass."""

from __future__ import annotations

# What a busy few hours bring: 1,000 calls (with their queue visits and agents' legs) and 200
# orders, half new, half taken in the last two weeks and delivered now, all within the last
# five hours.
NEW_TODAY = """
WITH made AS (
    INSERT INTO calls (linkedid, pbx, direction, caller, callee, queue, client_id, started_at,
        answered_at, ended_at, outcome, wait_seconds, talk_seconds, hold_seconds, recording,
        agents, updated_at)
    SELECT 'new' || g || '.' || extract(epoch FROM now())::bigint, 'default', 'inbound',
        '+79' || lpad((g * 991)::text, 9, '0'), '200', 'q' || (1 + g % 10),
        1 + g * 991 % (SELECT max(id) FROM clients),
        now() - (g % 300) * interval '1 minute' - interval '5 minutes',
        CASE WHEN g % 7 <> 0 THEN now() - (g % 300) * interval '1 minute'
            - interval '290 s' END,
        now() - (g % 300) * interval '1 minute' - interval '2 minutes',
        CASE WHEN g % 7 <> 0 THEN 'answered' ELSE 'abandoned' END, 10, 170, 0, '', '{}', now()
    FROM generate_series(1, 1000) g
    RETURNING id, linkedid, caller, queue, started_at, answered_at, ended_at, outcome
),
stints AS (
    INSERT INTO queue_stints (pbx, key, queue, linkedid, uniqueid, caller, entered_at, outcome,
        position, connected_at, ended_at, wait_seconds, talk_seconds, agent, ended_by)
    SELECT 'default', linkedid || '/' || queue, queue, linkedid, linkedid, caller, started_at,
        CASE outcome WHEN 'answered' THEN 'completed' ELSE 'abandoned' END, 1, answered_at,
        ended_at, 10, 170, CASE WHEN outcome = 'answered' THEN 'PJSIP/' || (100 + id % 200)
        ELSE '' END, 'caller'
    FROM made
)
INSERT INTO call_legs (call_id, uniqueid, channel, agent, user_id, started_at, answered_at,
    ended_at, talk_seconds, hold_seconds)
SELECT id, linkedid || '.a', 'PJSIP/' || (100 + id % 200), 'PJSIP/' || (100 + id % 200),
    1 + id % 200, started_at, answered_at, ended_at, 170, 0
FROM made WHERE outcome = 'answered';

INSERT INTO orders (number, client_id, manager_id, status_id, status_changed_at, currency,
    total, notes, created_at, updated_at)
SELECT 'T-' || g || '.' || extract(epoch FROM now())::bigint, 1 + g * 4999 % c.n, 1 + g % 40, 1,
    now() - g * interval '2 minutes', 'RUB', 1000 + g, '', now() - g * interval '2 minutes',
    now()
FROM generate_series(1, 100) g, (SELECT max(id) AS n FROM clients) c;

UPDATE orders SET status_id = 6, status_changed_at = now(), updated_at = now()
WHERE id IN (SELECT id FROM orders WHERE created_at > now() - interval '14 days'
    AND status_id <> 6 ORDER BY random() LIMIT 100);
"""

# what the agent_state_hours rollup holds, by one pass over the stretches (each cut into the
# hours it covers), the days summed from those hours, and its mark
AGENT_STATE_HOURS = """
DELETE FROM report_agent_state_hours;
DELETE FROM report_agent_state_days;
INSERT INTO report_agent_state_hours (hour, agent, status, reason, seconds)
SELECT h.hour, a.extension, a.status, a.reason,
    sum(extract(epoch FROM least(a.ended_at, h.hour + interval '1 hour')
                         - greatest(a.started_at, h.hour)))
FROM agent_states a, generate_series(date_trunc('hour', a.started_at),
    a.ended_at - interval '1 microsecond', interval '1 hour') h(hour)
WHERE a.status <> 'logged_out' AND a.ended_at > a.started_at
GROUP BY 1, 2, 3, 4;
INSERT INTO report_agent_state_days (day, agent, status, reason, seconds)
SELECT date_trunc('day', hour, 'UTC'), agent, status, reason, sum(seconds)
FROM report_agent_state_hours GROUP BY 1, 2, 3, 4;
INSERT INTO report_rollup_marks (name, mark, refreshed_at, buckets)
SELECT 'agent_state_hours', now(), now(), count(DISTINCT hour) FROM report_agent_state_hours
ON CONFLICT (name) DO UPDATE SET mark = excluded.mark, refreshed_at = excluded.refreshed_at,
    buckets = excluded.buckets;
"""
