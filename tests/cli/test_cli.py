"""The command line and settings: one clear line on bad input, users and tokens made for real."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from callcenter.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "name,value,expected",
    [
        ("HTTP_PORT", "abc", "CALLCENTER_HTTP_PORT must be a port number"),
        (
            "DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "CALLCENTER_DEFAULT_TIMEZONE must be an IANA time zone",
        ),
        ("COOKIE_SECURE", "maybe", "CALLCENTER_COOKIE_SECURE must be true or false"),
        ("DATABASE_URL", "mysql://u:secret@h/db", "must be a postgresql:// URL"),
        ("PUBLIC_URL", "crm.example.ru", "CALLCENTER_PUBLIC_URL must be an http"),
        ("PUBLIC_URL", "ftp://crm.example.ru", "CALLCENTER_PUBLIC_URL must be an http"),
        ("PUBLIC_URL", "https://u:p@crm.example.ru", "CALLCENTER_PUBLIC_URL must be an http"),
        ("TRUSTED_PROXY", "sometimes", "CALLCENTER_TRUSTED_PROXY must be true or false"),
        ("LOGIN_ADDRESS_MAX_FAILURES", "0", "must be a positive whole number"),
        ("WEB_PROCESSES", "0", "CALLCENTER_WEB_PROCESSES must be a positive whole number"),
        ("WEB_PROCESSES", "1000", "CALLCENTER_WEB_PROCESSES must be a whole number from 1 to 32"),
    ],
)
def test_bad_setting_is_one_clear_line(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        Settings.from_env({f"CALLCENTER_{name}": value})


def test_public_url_is_kept_as_its_origin() -> None:
    settings = Settings.from_env({"CALLCENTER_PUBLIC_URL": "https://CRM.example.ru/crm/"})
    assert settings.public_url == "https://crm.example.ru"
    assert Settings.from_env({}).public_url == "" and not Settings.from_env({}).trusted_proxy


def test_bad_setting_stops_serve_without_a_traceback() -> None:
    result = run_cli("serve", env={"CALLCENTER_HTTP_PORT": "99999"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: CALLCENTER_HTTP_PORT must be a port number from 1 to 65535, got '99999'"
    ]


def test_secret_in_a_database_url_never_reaches_the_message() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CALLCENTER_DATABASE_URL": "mysql://u:topsecret@h/db"})
    assert "topsecret" not in str(caught.value)


def test_create_user_and_token_then_the_token_works(
    database_url: str, clean_db: None, settings: Any
) -> None:
    env = {"CALLCENTER_DATABASE_URL": database_url}
    made = run_cli(
        "create-user",
        "--login",
        "Oper1",
        "--password",
        "long password 1",
        "--role",
        "operator",
        "--extension",
        "101",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert "created operator oper1" in made.stdout
    again = run_cli(
        "create-user",
        "--login",
        "oper1",
        "--password",
        "long password 1",
        "--role",
        "operator",
        env=env,
    )
    assert again.returncode == 1 and "login is taken" in again.stderr
    token = run_cli("create-token", "--login", "oper1", env=env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().startswith("cc_")


async def test_first_start_creates_admin_once(settings: Any, clean_db: None) -> None:
    from callcenter.cli import ensure_first_admin

    password = await ensure_first_admin(settings)
    assert password and len(password) >= 12
    assert await ensure_first_admin(settings) is None


def test_dialplan_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {
            "CALLCENTER_AGENT_DIAL": "Local/{extension}@agents",
            "CALLCENTER_INBOUND_CONTEXTS": "from-pstn, from-trunk",
        }
    )
    assert settings.agent_dial == "Local/{extension}@agents"
    assert settings.inbound_contexts == ("from-pstn", "from-trunk")
    assert settings.pbx == "simulator"
    assert Settings.from_env({"CALLCENTER_AMI_HOST": "pbx.local"}).pbx == "ami"
    with pytest.raises(SettingsError, match="CALLCENTER_AGENT_DIAL must be a dial string"):
        Settings.from_env({"CALLCENTER_AGENT_DIAL": "PJSIP/101"})
    with pytest.raises(SettingsError, match="CALLCENTER_PBX=ami needs CALLCENTER_AMI_HOST"):
        Settings.from_env({"CALLCENTER_PBX": "ami"})
