"""Each provider against a local server that speaks its documented API: what it sends, what
its answers mean (taken, passing, permanent, opted out, lost), delivery read back, and the
secrets kept out of URLs and reprs."""

from __future__ import annotations

from typing import Any

import pytest

from callcenter.settings import Settings, SettingsError
from callcenter.sms.gateway import DELIVERED, PENDING, UNDELIVERED
from callcenter.sms.providers import make_provider
from callcenter.sms.twilio import signature, valid_signature
from tests.orders.smtp_support import free_port
from tests.sms.provider import (
    SMSC_PASSWORD,
    TWILIO_TOKEN,
    provider_server,
    smsc_settings,
    twilio_settings,
)

NUMBER = "+79161234567"
BOTH = ("smsc", "twilio")


def _settings(kind: str, settings: Settings, base: str, **more: Any) -> Settings:
    return (smsc_settings if kind == "smsc" else twilio_settings)(settings, base, **more)


@pytest.mark.parametrize("kind", BOTH)
async def test_a_text_is_taken_with_its_id_and_its_words_intact(kind: str, settings: Any) -> None:
    async with provider_server() as (base, state):
        provider = make_provider(_settings(kind, settings, base))
        assert provider is not None
        sent = await provider.send(NUMBER, "Заказ №5 отгружен 🚚 & {ok}", reference=7)
    assert sent.taken and sent.message_id == state.taken[0].message_id
    assert state.taken[0].to == NUMBER and state.taken[0].text == "Заказ №5 отгружен 🚚 & {ok}"
    if kind == "twilio":
        assert state.taken[0].params["StatusCallback"] == "https://crm.example.ru/sms/twilio/status"
        assert state.taken[0].params["From"] == "+15005550006"


@pytest.mark.parametrize("kind", BOTH)
@pytest.mark.parametrize(
    ("refusal", "permanent", "opted_out"),
    [("temporary", False, False), ("permanent", True, False), ("stop", True, True)],
)
async def test_a_refusal_says_whether_it_passes(
    kind: str, refusal: str, permanent: bool, opted_out: bool, settings: Any
) -> None:
    async with provider_server() as (base, state):
        state.refuse[NUMBER] = refusal
        provider = make_provider(_settings(kind, settings, base))
        assert provider is not None
        sent = await provider.send(NUMBER, "hi", reference=1)
    assert not sent.taken and sent.error and not sent.uncertain
    assert sent.permanent is permanent
    assert sent.opted_out is (opted_out and kind == "twilio")  # SMSC does not tell STOP apart


@pytest.mark.parametrize("kind", BOTH)
async def test_wrong_credentials_are_a_passing_failure_the_admin_can_fix(
    kind: str, settings: Any
) -> None:
    async with provider_server() as (base, _state):
        wrong = {"smsc_password": "nope"} if kind == "smsc" else {"twilio_auth_token": "nope"}
        provider = make_provider(_settings(kind, settings, base, **wrong))
        assert provider is not None
        sent = await provider.send(NUMBER, "hi", reference=1)
    assert sent.error and not sent.permanent and not sent.uncertain


@pytest.mark.parametrize("kind", BOTH)
async def test_a_provider_not_listening_is_unreachable_and_a_cut_line_uncertain(
    kind: str, settings: Any
) -> None:
    provider = make_provider(_settings(kind, settings, f"http://127.0.0.1:{free_port()}"))
    assert provider is not None
    down = await provider.send(NUMBER, "hi", reference=1)
    assert down.unreachable and not down.uncertain and not down.permanent
    assert await provider.status(NUMBER, "1001") is None
    async with provider_server() as (base, state):
        state.refuse[NUMBER] = "drop"
        provider = make_provider(_settings(kind, settings, base))
        assert provider is not None
        cut = await provider.send(NUMBER, "hi", reference=1)
    assert cut.uncertain and not cut.unreachable


@pytest.mark.parametrize(
    ("kind", "said", "state"),
    [
        ("smsc", 1, DELIVERED), ("smsc", 2, DELIVERED), ("smsc", 0, PENDING),
        ("smsc", -1, PENDING), ("smsc", 20, UNDELIVERED), ("smsc", 22, UNDELIVERED),
        ("smsc", 3, UNDELIVERED), ("twilio", "delivered", DELIVERED),
        ("twilio", "sent", PENDING), ("twilio", "queued", PENDING),
        ("twilio", "undelivered", UNDELIVERED), ("twilio", "failed", UNDELIVERED),
    ],
)  # fmt: skip
async def test_delivery_is_read_back(kind: str, said: Any, state: str, settings: Any) -> None:
    async with provider_server() as (base, server):
        provider = make_provider(_settings(kind, settings, base))
        assert provider is not None
        sent = await provider.send(NUMBER, "hi", reference=1)
        server.statuses[sent.message_id] = said
        found = await provider.status(NUMBER, sent.message_id)
    assert found is not None and found.state == state
    assert bool(found.detail) is (state == UNDELIVERED)


def test_secrets_never_show_in_a_repr(settings: Any) -> None:
    for kind in BOTH:
        config = _settings(kind, settings, "http://127.0.0.1:1")
        shown = repr(config) + repr(make_provider(config))
        assert SMSC_PASSWORD not in shown and TWILIO_TOKEN not in shown


def test_a_chosen_provider_without_its_credentials_is_refused_by_name_only() -> None:
    with pytest.raises(SettingsError, match="CALLCENTER_SMSC_PASSWORD"):
        Settings.from_env({"CALLCENTER_SMS_PROVIDER": "smsc", "CALLCENTER_SMSC_LOGIN": "x"})
    with pytest.raises(SettingsError, match="CALLCENTER_TWILIO_AUTH_TOKEN"):
        Settings.from_env({"CALLCENTER_SMS_PROVIDER": "Twilio", "CALLCENTER_SMS_SENDER": "+1"})
    with pytest.raises(SettingsError):
        Settings.from_env({"CALLCENTER_SMS_PROVIDER": "carrier-pigeon"})
    with pytest.raises(SettingsError):
        Settings.from_env({"CALLCENTER_SMS_BASE_URL": "file:///etc/passwd"})
    assert Settings.from_env({}).sms_provider == "off"


def test_twilio_signature_matches_twilios_documented_example() -> None:
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675310"), ("Digits", "1234"),
              ("From", "+14158675310"), ("To", "+18005551212")]  # fmt: skip
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert valid_signature("12345", url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert not valid_signature("12345", url, params[:-1], "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert not valid_signature("", url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert not valid_signature("12345", url, params, "")
