"""How many calls a campaign places (pacing.py)."""

from __future__ import annotations

from callcenter.dialer.pacing import WARMUP_ANSWERS, Floor, Pacer


def warmed(pacer: Pacer, *, answer_rate: float = 0.25, abandons: int = 0) -> Pacer:
    per = round(1 / answer_rate)
    for n in range(WARMUP_ANSWERS * 2):
        live = n % per == 0
        pacer.attempt_finished(live=live, seconds=8 if live else 25)
    for n in range(WARMUP_ANSWERS):
        pacer.live_answer(abandoned=n < abandons)
    pacer.adapted_at = 0.0  # no adapting in the next few seconds
    return pacer


def test_progressive_places_one_call_per_free_agent() -> None:
    pacer = Pacer("progressive")
    assert pacer.calls_to_place(Floor(free_agents=3), 0) == 3
    assert pacer.calls_to_place(Floor(free_agents=3, ringing=(1, 2)), 1) == 1
    assert pacer.calls_to_place(Floor(free_agents=3, waiting=1, ringing=(1, 2)), 2) == 0
    assert pacer.calls_to_place(Floor(free_agents=0, soon_free=4), 3) == 0
    assert pacer.dial_ratio == 1.0


def test_predictive_dials_progressively_until_it_has_measured_enough() -> None:
    pacer = Pacer("predictive")
    assert not pacer.dials_ahead
    assert pacer.calls_to_place(Floor(free_agents=2), 0) == 2


def test_predictive_dials_ahead_for_free_agents_from_the_answer_rate() -> None:
    pacer = warmed(Pacer("predictive"), answer_rate=0.25)
    assert pacer.dials_ahead and abs(pacer.answer_rate - 0.25) < 0.01
    calls = pacer.calls_to_place(Floor(free_agents=2), 1)
    assert calls == round(pacer.k * 2 / pacer.answer_rate) and calls > 2
    assert pacer.dial_ratio == calls / 2


def test_agents_about_to_be_free_count_and_calls_on_their_way_are_subtracted() -> None:
    pacer = warmed(Pacer("predictive", max_dial_ratio=5.0))
    alone = pacer.calls_to_place(Floor(free_agents=1), 1)
    assert pacer.calls_to_place(Floor(free_agents=1, soon_free=1), 1) > alone
    assert pacer.calls_to_place(Floor(free_agents=1, on_call=20), 1) > alone
    fresh = pacer.calls_to_place(Floor(free_agents=1, ringing=(0.0,)), 1)
    assert fresh == alone - 1
    # a call ringing longer than anyone took to answer will ring out: dial past it
    assert pacer.answer_chance(20.0) == 0.0
    assert pacer.calls_to_place(Floor(free_agents=1, ringing=(20.0,)), 1) == alone


def test_dial_ratio_never_exceeds_the_campaigns_maximum() -> None:
    pacer = warmed(Pacer("predictive", max_dial_ratio=1.5), answer_rate=0.1)
    pacer.k = 1.5
    assert pacer.calls_to_place(Floor(free_agents=4), 1) == 6
    assert pacer.dial_ratio == 1.5


def test_aggressiveness_grows_without_abandons_and_halves_when_they_run_high() -> None:
    pacer = warmed(Pacer("predictive"))
    start = pacer.k
    for second in range(5, 300, 5):
        pacer.live_answer(abandoned=False)
        pacer.calls_to_place(Floor(free_agents=1), second)
    assert pacer.k > start
    grown = pacer.k
    for _ in range(20):
        pacer.live_answer(abandoned=True)
    pacer.calls_to_place(Floor(free_agents=1), 400)
    assert pacer.k == max(grown / 2, 0.2)


def test_near_the_abandon_cap_predictive_falls_back_to_one_call_per_free_agent() -> None:
    pacer = warmed(Pacer("predictive", abandon_cap_percent=3.0), abandons=2)  # 4 %
    assert pacer.abandon_rate == 4.0
    assert not pacer.dials_ahead
    assert pacer.calls_to_place(Floor(free_agents=2, soon_free=3), 1) == 2


def test_abandon_rate_counts_abandoned_among_live_answers() -> None:
    pacer = Pacer("predictive")
    for abandoned in (True, False, False, False):
        pacer.live_answer(abandoned=abandoned)
    assert pacer.abandon_rate == 25.0
