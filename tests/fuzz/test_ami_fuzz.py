"""Fuzzing the PBX listener's hearing (``tests/fuzz/ami_target.py``) with Hypothesis.

Three kinds of input, each with a bounded budget so the suite stays quick: arbitrary bytes,
the recorded Asterisk sessions mutated (bytes flipped, cut, repeated; lines swapped;
values replaced by extremes; keys repeated), and connections made of well-formed messages
of the events the listener reads, with values drawn from the extremes. A longer,
coverage-guided run is ``bench/fuzz_ami.py`` (atheris); its figures are in
docs/benchmarks.md.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ami.events import EVENT_TYPES
from tests.fuzz import ami_target

SEEDS = ami_target.seeds()
BUDGET = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,  # the suite is the same on every machine; bench/fuzz_ami.py explores
)
EXTREMES = [
    "",
    "0",
    "-1",
    "1e20",
    "inf",
    "-inf",
    "nan",
    "9" * 30,
    "9" * 5000,
    "-2147483649",
    "2147483648",
    "\x00",
    "a\x00b",
    "\ufffd",
    "Ünïcödé ☎",
    "x" * 10_000,
    "99:99:99",
    "00:00:-1",
    "1795715050.851585",
    "0.0",
    "<unknown>",
    "Local/;1",
    ";2",
    "PJSIP/",
    "from-pstn",
    "agents",
    "dialer-1",
    "c2c-1",
    "sales",
    "Up",
    "6",
    "16",
    "yes",
]
KEYS = [
    "Channel", "Uniqueid", "Linkedid", "DestChannel", "DestUniqueid", "DestLinkedid",
    "ChannelState", "DestChannelState", "CallerIDNum", "CallerIDName", "ConnectedLineNum",
    "Context", "Exten", "Priority", "Cause", "Queue", "Position", "Count", "Interface",
    "MemberName", "StateInterface", "Paused", "PausedReason", "Status", "InCall", "HoldTime",
    "TalkTime", "RingTime", "Reason", "Response", "ActionID", "Variable", "Value",
    "BridgeUniqueid", "DialStatus", "Duration", "Timestamp", "TransfereeUniqueid",
    "TransferTargetUniqueid", "OrigTransfererUniqueid", "SecondTransfererUniqueid", "Result",
    "Extension", "Event",
]  # fmt: skip
NAMES = sorted(EVENT_TYPES)

value = st.one_of(st.sampled_from(EXTREMES), st.text(max_size=40))
message = st.builds(
    lambda name, pairs: (
        "Event: " + name + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
    ),
    st.sampled_from(NAMES),
    st.lists(st.tuples(st.sampled_from(KEYS), value), max_size=14),
)


@st.composite
def mutated_seed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 5))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == 0:  # flip a byte
            data[at] = draw(st.integers(0, 255))
        elif kind == 1:  # cut a stretch out
            del data[at : at + draw(st.integers(1, 400))]
        elif kind == 2:  # say a stretch twice
            data[at:at] = data[at : at + draw(st.integers(1, 2000))]
        elif kind == 3:  # a line with an extreme value, a key said again
            line = f"{draw(st.sampled_from(KEYS))}: {draw(st.sampled_from(EXTREMES))}\r\n"
            end = data.find(b"\r\n", at)
            if end >= 0:
                data[end + 2 : end + 2] = line.encode("utf-8", "surrogatepass")
        elif kind == 4:  # a whole foreign message in the middle of the session
            end = data.find(b"\r\n\r\n", at)
            if end >= 0:
                data[end + 4 : end + 4] = draw(message).encode("utf-8", "surrogatepass")
        else:  # a value replaced by an extreme
            colon = data.find(b": ", at)
            end = data.find(b"\r\n", colon) if colon >= 0 else -1
            if end > colon >= 0:
                data[colon + 2 : end] = draw(st.sampled_from(EXTREMES)).encode()
    return bytes([draw(st.integers(0, 255))]) + bytes(data)


@BUDGET
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_break_nothing(data: bytes) -> None:
    ami_target.run(data)


@BUDGET
@given(mutated_seed())
def test_mutated_asterisk_sessions_break_nothing(data: bytes) -> None:
    ami_target.run(data)


@BUDGET
@given(st.integers(0, 255), st.lists(message, max_size=60))
def test_well_formed_messages_with_extreme_values_break_nothing(
    read_size: int, messages: list[str]
) -> None:
    body = "".join(messages).encode("utf-8", "surrogatepass")
    ami_target.run(bytes([read_size]) + body)


def test_every_recorded_session_passes_the_target_untouched() -> None:
    for seed in SEEDS:
        for read_size in (0, 3, 255):
            ami_target.run(bytes([read_size]) + seed)


def test_values_the_database_cannot_hold_never_reach_a_call() -> None:
    """Found by the target: a NUL in a caller's number reached the call (and PostgreSQL
    refuses NUL in text, so the whole call would have been skipped at storing)."""
    seed = SEEDS[0]
    for value in (b"+7916\x001234567", b"\x00", b"9" * 40):
        ami_target.run(
            bytes([5]) + seed.replace(b"CallerIDNum: +79161234567", b"CallerIDNum: " + value)
        )
    ami_target.run(bytes([5]) + seed.replace(b"Cause: 16", b"Cause: 99999999999"))
