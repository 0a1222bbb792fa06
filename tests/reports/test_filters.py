from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest

from callcenter.errors import Forbidden, Invalid
from callcenter.reports.filters import own_figures, parse_filters

NOW = datetime(2026, 3, 18, 21, 30, tzinfo=UTC)  # Thursday 19 March 00:30 in Moscow


def parse(query: dict[str, str], **kwargs: object):
    return parse_filters(query, timezone="Europe/Moscow", now=NOW, **kwargs)  # type: ignore[arg-type]


def test_presets_follow_the_users_day_not_utc():
    today = parse({"period": "today"})
    assert (today.first_day, today.last_day) == (date(2026, 3, 19), date(2026, 3, 19))
    assert today.since.isoformat() == "2026-03-19T00:00:00+03:00"
    assert today.until.isoformat() == "2026-03-20T00:00:00+03:00"
    assert parse({"period": "yesterday"}).first_day == date(2026, 3, 18)
    assert parse({"period": "this_week"}).first_day == date(2026, 3, 16)  # Monday
    assert parse({"period": "this_month"}).first_day == date(2026, 3, 1)
    assert parse({"period": "last_30_days"}).first_day == date(2026, 2, 18)
    assert parse({"period": "this_year"}).days == 78


def test_no_period_is_this_month():
    filters = parse({})
    assert filters.preset == "this_month"
    assert (filters.first_day, filters.last_day) == (date(2026, 3, 1), date(2026, 3, 19))


def test_dates_include_both_days():
    filters = parse({"since": "2026-01-01", "until": "2026-01-31"})
    assert filters.preset == ""
    assert filters.days == 31
    assert filters.until.isoformat() == "2026-02-01T00:00:00+03:00"


def test_every_bad_filter_is_named_with_its_reason():
    with pytest.raises(Invalid) as caught:
        parse({"since": "2026-13-01", "campaign": "x", "manager": "-1", "period": ""})
    assert set(caught.value.fields) == {"since", "campaign", "manager"}
    with pytest.raises(Invalid) as caught:
        parse({"since": "2026-03-10", "until": "2026-03-01"})
    assert caught.value.fields == {"until": "The period ends before it starts"}
    with pytest.raises(Invalid) as caught:
        parse({"period": "forever"})
    assert caught.value.fields == {"period": "No such period"}
    with pytest.raises(Invalid) as caught:
        parse({"since": "2020-01-01", "until": "2026-01-01"})
    assert "until" in caught.value.fields


def test_a_filter_the_report_does_not_use_is_refused():
    with pytest.raises(Invalid) as caught:
        parse({"channel": "3", "queue": "sales"}, supported=("queue",))
    assert list(caught.value.fields) == ["channel"]
    assert parse({"queue": "sales"}, supported=("queue",)).queue == "sales"


def test_filters_come_back_as_the_same_query_string():
    asked = {"since": "2026-02-01", "until": "2026-02-10", "queue": "sales", "segment": "4"}
    filters = parse(asked)
    query = dict(parse_qsl(filters.query(table="by_queue")))
    assert query == {
        "since": "2026-02-01",
        "until": "2026-02-10",
        "queue": "sales",
        "segment": "4",
        "table": "by_queue",
    }
    assert parse(dict(parse_qsl(filters.query()))) == filters
    assert parse({"period": "today"}).query() == "period=today"


def test_api_echo_names_the_period_and_every_filter():
    echoed = parse({"period": "yesterday", "manager": "7"}).as_dict()
    assert echoed["first_day"] == echoed["last_day"] == "2026-03-18"
    assert echoed["manager"] == 7 and echoed["queue"] is None
    assert echoed["timezone"] == "Europe/Moscow"


def test_a_manager_kept_to_own_clients_sees_own_figures_only():
    limited = SimpleNamespace(id=5, sees_every_client=False)
    everyone = SimpleNamespace(id=6, sees_every_client=True)
    assert own_figures(parse({}), limited).manager == 5
    assert own_figures(parse({"manager": "5"}), limited).manager == 5
    with pytest.raises(Forbidden):
        own_figures(parse({"manager": "9"}), limited)
    assert own_figures(parse({"manager": "9"}), everyone).manager == 9
    assert own_figures(parse({}), everyone).manager is None
