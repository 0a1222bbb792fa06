"""One frozen, typed settings object read from ``CALLCENTER_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from callcenter.imports.limits import MB, XLSX_MAX_COLUMNS, UploadLimits

PREFIX = "CALLCENTER_"
LANGUAGES = ("ru", "en")
PBX_MODES = ("simulator", "ami", "off")
SMS_PROVIDERS = ("off", "smsc", "twilio")
# more web processes than this gains nothing on any machine the app is meant for, and each
# holds its own connections to PostgreSQL (whose default max_connections is 100)
MAX_WEB_PROCESSES = 32


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line a user can act on."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    web_processes: int = 1  # web processes sharing the port (SO_REUSEPORT)
    secret_key: str = field(default="", repr=False)
    default_region: str = "RU"
    default_language: str = "ru"
    default_timezone: str = "Europe/Moscow"
    currency: str = "RUB"
    pbx: str = "simulator"  # simulator | ami | off
    simulator_calls_per_minute: float = 4.0
    ami_host: str | None = None
    ami_port: int = 5038
    # how the dialplan is laid out (asterisk-config/ uses these defaults)
    agent_dial: str = "PJSIP/{extension}"
    inbound_contexts: tuple[str, ...] = ("from-pstn",)
    outbound_context: str = "outbound"
    dialer_context: str = "dialer"
    agent_context: str = "agents"
    dial_format: str = "e164"  # how the outbound context wants numbers: e164 | digits | national
    outbound_caller_id: str = ""  # the company number shown to customers ("" = the dialplan's)
    recordings_dir: Path | None = None  # where the CRM reads recordings (mounted from the PBX)
    pbx_recordings_dir: str = "/var/spool/asterisk/monitor"  # where Asterisk writes them
    ami_username: str = "crm"
    ami_secret: str = field(default="", repr=False)
    # sign-in throttling: this many failures for one login from one address within the
    # window pause that login from that address until the window slides past them; this many
    # from one address (any logins) pause the address; this many for one login from anywhere
    # make everyone wait a short, growing delay after each failure
    login_max_failures: int = 5
    login_lockout_seconds: int = 900  # the window
    # website leads (POST /api/v1/leads): at most so many per form key and per address
    lead_max_per_key: int = 120
    lead_max_per_address: int = 10
    lead_window_seconds: int = 600
    login_address_max_failures: int = 20
    session_max_age_seconds: int = 12 * 3600
    cookie_secure: bool = False
    # behind a reverse proxy that sets X-Forwarded-For / -Host / -Proto: believe them
    trusted_proxy: bool = False
    public_url: str = ""  # the address users open (https://crm.example.ru): its origin is ours
    log_level: str = "INFO"
    # outgoing e-mail (order status notifications); no host: messages wait in the outbox
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True
    smtp_max_attempts: int = 6
    smtp_retry_seconds: int = 60  # first retry; each next one waits twice as long
    reminder_check_seconds: float = 5.0  # how often due reminders are looked for; 0: never here
    remind_before_minutes: float = 0.0  # remind this long before a task's due time
    import_max_mb: int = 50  # the largest file an import accepts
    # what an uploaded table may hold (see callcenter/imports/limits.py)
    import_max_unzipped_mb: int = 200  # a workbook's parts, inflated
    import_max_columns: int = 200
    import_max_rows: int = 1_000_000
    import_max_shared_strings: int = 2_000_000  # a workbook's distinct texts
    report_refresh_seconds: float = 5.0  # how often report rollups catch up; 0: never here
    # mass mailings: the most e-mails a minute any mailing may send (a mailing's own rate is
    # held to it), and how often due recipients are looked for (0: never in this process)
    mailing_email_per_minute: int = 600
    mailing_check_seconds: float = 2.0
    # imports' runs and exports run in child processes at these CPU niceness values (0-19;
    # their database backends too, when PostgreSQL is on this machine): the floor goes
    # first, then an import, then an export (never above the import's)
    back_office_niceness: int = 10
    export_niceness: int = 19
    # text messages (SMS mailings, order status texts) through a provider's HTTP API
    sms_provider: str = "off"  # off | smsc | twilio
    sms_base_url: str = ""  # "" = the provider's own (https://smsc.ru, https://api.twilio.com)
    sms_sender: str = ""  # the sender name (SMSC, optional) or number (Twilio's From)
    smsc_login: str = ""
    smsc_password: str = field(default="", repr=False)
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    sms_max_attempts: int = 6
    sms_retry_seconds: int = 60  # first retry; each next one waits twice as long
    mailing_sms_per_minute: int = 300  # the most texts a minute any mailing may send
    sms_status_check_seconds: float = 60.0  # how often delivery is asked for; 0: never here
    # webhooks out: how often the sender looks for due deliveries (0: never in this process;
    # one process sends at a time), the receiver's time to answer, the first retry (each next
    # waits twice as long, for a day: then failed), failures in a row that pause an endpoint,
    # and requests in flight at once; whether endpoints may be private addresses (loopback,
    # the LAN, link-local, the cloud's metadata service: refused unless the admin allows),
    # and how many days sent and failed deliveries are kept
    webhook_check_seconds: float = 0.5
    webhook_timeout_seconds: float = 10.0
    webhook_retry_seconds: int = 30
    webhook_pause_after: int = 20
    webhook_concurrency: int = 64
    webhook_allow_private: bool = False
    webhook_keep_days: int = 30

    @property
    def pbx_configured(self) -> bool:
        return self.pbx != "off"

    @property
    def upload_limits(self) -> UploadLimits:
        return UploadLimits(
            max_bytes=self.import_max_mb * MB,
            max_unzipped_bytes=self.import_max_unzipped_mb * MB,
            max_columns=min(self.import_max_columns, XLSX_MAX_COLUMNS),
            max_rows=self.import_max_rows,
            max_shared_strings=self.import_max_shared_strings,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        reader = _Reader(env)
        settings = cls(
            database_url=reader.text("DATABASE_URL") or None,
            data_dir=Path(reader.text("DATA_DIR") or "var"),
            http_host=reader.text("HTTP_HOST") or "127.0.0.1",
            http_port=reader.port("HTTP_PORT", 8080),
            web_processes=reader.positive_int("WEB_PROCESSES", 1, most=MAX_WEB_PROCESSES),
            secret_key=reader.text("SECRET_KEY"),
            default_region=reader.region("DEFAULT_REGION", "RU"),
            default_language=reader.choice("DEFAULT_LANGUAGE", LANGUAGES, "ru"),
            default_timezone=reader.timezone("DEFAULT_TIMEZONE", "Europe/Moscow"),
            currency=(reader.text("CURRENCY") or "RUB").upper(),
            pbx=reader.choice("PBX", PBX_MODES, "ami" if reader.text("AMI_HOST") else "simulator"),
            simulator_calls_per_minute=reader.number("SIMULATOR_CALLS_PER_MINUTE", 4.0),
            ami_host=reader.text("AMI_HOST") or None,
            agent_dial=reader.dial_string("AGENT_DIAL", "PJSIP/{extension}"),
            inbound_contexts=reader.names("INBOUND_CONTEXTS", ("from-pstn",)),
            outbound_context=reader.text("OUTBOUND_CONTEXT") or "outbound",
            dialer_context=reader.text("DIALER_CONTEXT") or "dialer",
            agent_context=reader.text("AGENT_CONTEXT") or "agents",
            dial_format=reader.choice("DIAL_FORMAT", ("e164", "digits", "national"), "e164"),
            outbound_caller_id=reader.text("OUTBOUND_CALLERID"),
            recordings_dir=Path(reader.text("RECORDINGS_DIR"))
            if reader.text("RECORDINGS_DIR")
            else None,
            pbx_recordings_dir=reader.text("PBX_RECORDINGS_DIR") or "/var/spool/asterisk/monitor",
            ami_port=reader.port("AMI_PORT", 5038),
            ami_username=reader.text("AMI_USERNAME") or "crm",
            ami_secret=reader.text("AMI_SECRET"),
            login_max_failures=reader.positive_int("LOGIN_MAX_FAILURES", 5),
            login_lockout_seconds=reader.positive_int("LOGIN_LOCKOUT_SECONDS", 900),
            lead_max_per_key=reader.positive_int("LEAD_MAX_PER_KEY", 120),
            lead_max_per_address=reader.positive_int("LEAD_MAX_PER_ADDRESS", 10),
            lead_window_seconds=reader.positive_int("LEAD_WINDOW_SECONDS", 600),
            login_address_max_failures=reader.positive_int("LOGIN_ADDRESS_MAX_FAILURES", 20),
            trusted_proxy=reader.boolean("TRUSTED_PROXY", False),
            public_url=reader.url("PUBLIC_URL"),
            session_max_age_seconds=reader.positive_int("SESSION_MAX_AGE_SECONDS", 12 * 3600),
            cookie_secure=reader.boolean("COOKIE_SECURE", False),
            log_level=reader.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            smtp_host=reader.text("SMTP_HOST") or None,
            smtp_port=reader.port("SMTP_PORT", 587),
            smtp_user=reader.text("SMTP_USER"),
            smtp_password=reader.text("SMTP_PASSWORD"),
            smtp_from=reader.text("SMTP_FROM"),
            smtp_starttls=reader.boolean("SMTP_STARTTLS", True),
            smtp_max_attempts=reader.positive_int("SMTP_MAX_ATTEMPTS", 6),
            smtp_retry_seconds=reader.positive_int("SMTP_RETRY_SECONDS", 60),
            reminder_check_seconds=reader.number("REMINDER_CHECK_SECONDS", 5.0),
            remind_before_minutes=reader.number("REMIND_BEFORE_MINUTES", 0.0),
            import_max_mb=reader.positive_int("IMPORT_MAX_MB", 50),
            import_max_unzipped_mb=reader.positive_int("IMPORT_MAX_UNZIPPED_MB", 200),
            import_max_columns=reader.positive_int("IMPORT_MAX_COLUMNS", 200),
            import_max_rows=reader.positive_int("IMPORT_MAX_ROWS", 1_000_000),
            import_max_shared_strings=reader.positive_int("IMPORT_MAX_SHARED_STRINGS", 2_000_000),
            report_refresh_seconds=reader.number("REPORT_REFRESH_SECONDS", 5.0),
            mailing_email_per_minute=reader.positive_int("MAILING_EMAIL_PER_MINUTE", 600),
            mailing_check_seconds=reader.number("MAILING_CHECK_SECONDS", 2.0),
            back_office_niceness=reader.niceness("BACK_OFFICE_NICENESS", 10),
            export_niceness=reader.niceness("EXPORT_NICENESS", 19),
            sms_provider=reader.choice("SMS_PROVIDER", SMS_PROVIDERS, "off"),
            sms_base_url=reader.base_url("SMS_BASE_URL"),
            sms_sender=reader.text("SMS_SENDER"),
            smsc_login=reader.text("SMSC_LOGIN"),
            smsc_password=reader.text("SMSC_PASSWORD"),
            twilio_account_sid=reader.text("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=reader.text("TWILIO_AUTH_TOKEN"),
            sms_max_attempts=reader.positive_int("SMS_MAX_ATTEMPTS", 6),
            sms_retry_seconds=reader.positive_int("SMS_RETRY_SECONDS", 60),
            mailing_sms_per_minute=reader.positive_int("MAILING_SMS_PER_MINUTE", 300),
            sms_status_check_seconds=reader.number("SMS_STATUS_CHECK_SECONDS", 60.0),
            webhook_check_seconds=reader.number("WEBHOOK_CHECK_SECONDS", 0.5),
            webhook_timeout_seconds=reader.number("WEBHOOK_TIMEOUT_SECONDS", 10.0) or 10.0,
            webhook_retry_seconds=reader.positive_int("WEBHOOK_RETRY_SECONDS", 30),
            webhook_pause_after=reader.positive_int("WEBHOOK_PAUSE_AFTER", 20),
            webhook_concurrency=reader.positive_int("WEBHOOK_CONCURRENCY", 64),
            webhook_allow_private=reader.boolean("WEBHOOK_ALLOW_PRIVATE", False),
            webhook_keep_days=reader.positive_int("WEBHOOK_KEEP_DAYS", 30),
        )
        _check_sms(settings)
        if settings.smtp_host and "@" not in settings.smtp_from:
            raise SettingsError(
                f"{PREFIX}SMTP_FROM must be the sender's e-mail address when "
                f"{PREFIX}SMTP_HOST is set"
            )
        if settings.pbx == "ami" and not settings.ami_host:
            raise SettingsError(f"{PREFIX}PBX=ami needs {PREFIX}AMI_HOST (the Asterisk to reach)")
        if settings.database_url and not settings.database_url.startswith(
            ("postgresql://", "postgresql+asyncpg://", "postgres://")
        ):
            url = _redact(settings.database_url)
            raise SettingsError(f"{PREFIX}DATABASE_URL must be a postgresql:// URL, got {url!r}")
        return settings

    def with_secret_key(self) -> Settings:
        """Return settings whose secret key is set, generating one under the data dir if needed.

        A generated key is kept in ``<data_dir>/secret.key`` (mode 0600) so sessions survive a
        restart; production deployments set ``CALLCENTER_SECRET_KEY`` instead.
        """
        if self.secret_key:
            return self
        path = self.data_dir / "secret.key"
        if path.exists():
            key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(32)
            path.write_text(key)
            path.chmod(0o600)
        return replace(self, secret_key=key)


def _check_sms(settings: Settings) -> None:
    """The chosen SMS provider has what it needs (the secrets' values are never shown)."""
    needed = {
        "smsc": {"SMSC_LOGIN": settings.smsc_login, "SMSC_PASSWORD": settings.smsc_password},
        "twilio": {
            "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "SMS_SENDER": settings.sms_sender,
        },
    }.get(settings.sms_provider, {})
    missing = [PREFIX + name for name, value in needed.items() if not value]
    if missing:
        raise SettingsError(
            f"{PREFIX}SMS_PROVIDER={settings.sms_provider} needs {', '.join(missing)}"
        )


def _redact(url: str) -> str:
    """Hide a password in a URL before it goes into a message."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def text(self, name: str) -> str:
        return self.env.get(PREFIX + name, "").strip()

    def _fail(self, name: str, expected: str, value: str) -> SettingsError:
        return SettingsError(f"{PREFIX}{name} must be {expected}, got {value!r}")

    def port(self, name: str, default: int) -> int:
        value = self.text(name)
        if not value:
            return default
        if not value.isascii() or not value.isdigit() or not 0 < int(value) < 65536:
            raise self._fail(name, "a port number from 1 to 65535", value)
        return int(value)

    def positive_int(self, name: str, default: int, most: int | None = None) -> int:
        value = self.text(name)
        if not value:
            return default
        if not value.isascii() or not value.isdigit() or int(value) <= 0:
            raise self._fail(name, "a positive whole number", value)
        if most is not None and int(value) > most:
            raise self._fail(name, f"a whole number from 1 to {most}", value)
        return int(value)

    def niceness(self, name: str, default: int) -> int:
        value = self.text(name)
        if not value:
            return default
        if not value.isascii() or not value.isdigit() or int(value) > 19:
            raise self._fail(
                name, "a CPU niceness from 0 (none) to 19 (the lowest priority)", value
            )
        return int(value)

    def names(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.text(name)
        if not value:
            return default
        return tuple(part.strip() for part in value.split(",") if part.strip())

    def dial_string(self, name: str, default: str) -> str:
        value = self.text(name) or default
        if "{extension}" not in value:
            raise self._fail(name, "a dial string with {extension}, e.g. PJSIP/{extension}", value)
        return value

    def number(self, name: str, default: float) -> float:
        value = self.text(name)
        if not value:
            return default
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if number < 0:
            raise self._fail(name, "a number zero or above", value)
        return number

    def url(self, name: str) -> str:
        value = self.text(name).rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
            raise self._fail(name, "an http(s):// address such as https://crm.example.ru", value)
        return f"{parts.scheme}://{parts.netloc.lower()}"

    def base_url(self, name: str) -> str:
        """An http(s) address with its path kept (a provider's API base), no credentials."""
        value = self.text(name).rstrip("/")
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
            raise self._fail(name, "an http(s):// address such as https://smsc.ru", value)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.text(name).lower()
        if not value:
            return default
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise self._fail(name, "true or false", value)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(name)
        if not value:
            return default
        for option in allowed:
            if value.lower() == option.lower():
                return option
        raise self._fail(name, "one of " + ", ".join(allowed), value)

    def timezone(self, name: str, default: str) -> str:
        value = self.text(name) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self._fail(name, "an IANA time zone such as Europe/Moscow", value) from None
        return value

    def region(self, name: str, default: str) -> str:
        value = (self.text(name) or default).upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise self._fail(name, "a two-letter phone region such as RU", value)
        return value
