"""Configuration in one place: defaults, then the environment, then the test mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lp.core.entropy import estimated_bits, is_pattern
from lp.core.paths import PROJECT_ROOT
from lp.web import processing_log

#: Every setting the app knows, with its default. The README documents each one.
DEFAULTS: dict[str, Any] = {
    "LP_ENV": "production",
    "LP_INSTANCE_PATH": None,
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "LP_ADMIN_EMAIL": None,
    "LP_ADMIN_PASSWORD": None,
    "LP_PASSWORD_MIN_LENGTH": 12,
    "LP_LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LP_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LP_LOGIN_WINDOW_MINUTES": 15,
    # Who must sign in with a second factor (TOTP): "admin", "all" or "off" (lp/auth/mfa.py).
    "LP_MFA_REQUIRED": "admin",
    # A signed-in session ends after this long without a request, and this long after sign-in.
    "LP_IDLE_TIMEOUT_MINUTES": 15,
    "LP_ABSOLUTE_TIMEOUT_HOURS": 10,
    "LP_TIMEZONE": "Europe/Amsterdam",
    "LP_DEFAULT_REPLY_DAYS": 30,
    # The detention term when none is recorded for the person (Return Directive art. 15(5)).
    "LP_DETENTION_MAX_MONTHS": 6,
    # Days before an issued LP expires by which the flight must be booked, unless the country
    # profile says otherwise (48 hours' notice to the country plus escort planning).
    "LP_FLIGHT_LEAD_DAYS": 14,
    # The request list counts its matches up to this many ("more than 10,000"): an exact count of
    # the whole archive grows with history, and nobody pages through 200 pages. The API counts exactly.
    "LP_LIST_COUNT_LIMIT": 10_000,
    "LP_SCHEDULER": False,
    "LP_BASE_URL": "http://127.0.0.1:5000",
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "LP-tracker <lp-tracker@localhost>",
    # Reminder policy overrides (days; see lp/requests/deadlines.py); unset keeps the default.
    "LP_POLICY_OVERDUE_LEVEL2_DAYS": None,
    "LP_POLICY_OVERDUE_LEVEL3_DAYS": None,
    "LP_POLICY_NO_REPLY_DAYS": None,
    "LP_POLICY_PRESENTATION_UNSCHEDULED_DAYS": None,
    "LP_POLICY_PRESENTABILITY_WORKING_DAYS": None,
    "LP_POLICY_LP_EXPIRY_DAYS": None,
    "LP_POLICY_REVIEW_DAYS": None,
    "LP_TRUST_PROXY": False,
    "LP_RETENTION_YEARS": 5,
    # Uploaded files (lp/files): the largest accepted, in MB; ClamAV's clamd to scan every upload
    # (a unix socket, or host and port); unset: uploads are not scanned and the upload page says so.
    "LP_FILES_MAX_MB": 20,
    "CLAMD_SOCKET": None,
    "CLAMD_HOST": None,
    "CLAMD_PORT": 3310,
    # Where users report an accessibility problem (the accessibility statement shows it).
    "LP_ACCESSIBILITY_CONTACT": "",
    # Single sign-on through OpenID Connect (lp/auth/oidc.py); off while LP_OIDC_ISSUER is unset.
    "LP_OIDC_ISSUER": None,
    "LP_OIDC_CLIENT_ID": None,
    "LP_OIDC_CLIENT_KEY_FILE": None,
    "LP_OIDC_CLIENT_KEY_ALG": "RS256",
    "LP_OIDC_CLIENT_SECRET": None,
    "LP_OIDC_REDIRECT_URI": None,
    "LP_OIDC_PROVIDER_NAME": "single sign-on",
    "LP_OIDC_ROLE_CLAIM": "groups",
    "LP_OIDC_ROLE_MAP": "",
    "LP_OIDC_MFA_ACR": "",
    "LP_OIDC_MFA_AMR": "mfa,otp",
    # False: only single sign-on; the password login form and password reset are gone.
    "LP_LOCAL_LOGIN": True,
    # info.contact of the API's OpenAPI document; empty: "LP-tracker", MAIL_FROM's address, LP_BASE_URL.
    "LP_API_CONTACT_NAME": "",
    "LP_API_CONTACT_EMAIL": "",
    "LP_API_CONTACT_URL": "",
}

# The processing log's settings: the register of processing activities (URIs), the pseudonym key.
DEFAULTS.update(processing_log.SETTINGS)

#: Settings read from the environment as integers or booleans rather than text.
_INTEGERS = {
    "MAIL_PORT",
    "LP_LIST_COUNT_LIMIT",
    "LP_DEFAULT_REPLY_DAYS",
    "LP_DETENTION_MAX_MONTHS",
    "LP_FLIGHT_LEAD_DAYS",
    "LP_PASSWORD_MIN_LENGTH",
    "LP_LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "LP_LOGIN_MAX_FAILURES_PER_ADDRESS",
    "LP_LOGIN_WINDOW_MINUTES",
    "LP_RETENTION_YEARS",
    "LP_FILES_MAX_MB",
    "CLAMD_PORT",
    "LP_IDLE_TIMEOUT_MINUTES",
    "LP_ABSOLUTE_TIMEOUT_HOURS",
}
_BOOLEANS = {"LP_SCHEDULER", "LP_TRUST_PROXY", "MAIL_USE_TLS", "LP_LOCAL_LOGIN"}


def _parse_env(name: str, raw: str) -> Any:
    if name in _INTEGERS or name.startswith("LP_POLICY_"):
        return int(raw)
    if name in _BOOLEANS:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def load_config(
    instance_path: str, environ: Mapping[str, str], test_config: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Build the app's configuration from defaults, the environment and test overrides."""
    settings = dict(DEFAULTS)
    for name in DEFAULTS:
        if environ.get(name):
            settings[name] = _parse_env(name, environ[name])
    if test_config:
        settings.update(test_config)

    instance = Path(instance_path)
    database_url = settings["DATABASE_URL"] or f"sqlite:///{instance / 'lp.sqlite3'}"
    settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _instance_secret_key(instance)

    development = settings["LP_ENV"] == "development"
    if not development and not settings.get("TESTING"):
        check_secret_key(settings["SECRET_KEY"])
    check_session_settings(settings)
    settings.setdefault("SESSION_COOKIE_SECURE", not development)
    settings.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="nl",
        BABEL_DEFAULT_TIMEZONE=settings["LP_TIMEZONE"],
        # hide_parameters keeps personal data out of error messages and logs.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "hide_parameters": True},
        WTF_CSRF_TIME_LIMIT=None,
        # Room for the largest file upload plus the form around it.
        MAX_CONTENT_LENGTH=max(20, int(settings["LP_FILES_MAX_MB"]) + 1) * 1024 * 1024,
    )
    if test_config and "SESSION_COOKIE_SECURE" in test_config:
        settings["SESSION_COOKIE_SECURE"] = test_config["SESSION_COOKIE_SECURE"]
    return settings


#: The values LP_MFA_REQUIRED accepts: who must sign in with a second factor.
MFA_REQUIRED_CHOICES = ("admin", "all", "off")


def check_session_settings(settings: dict[str, Any]) -> None:
    """Refuse to start with a second-factor rule or session time-out that would not do what it says."""
    if settings["LP_MFA_REQUIRED"] not in MFA_REQUIRED_CHOICES:
        raise ValueError(f"LP_MFA_REQUIRED must be one of {', '.join(MFA_REQUIRED_CHOICES)}, "
                         f"not {settings['LP_MFA_REQUIRED']!r}")
    # The idle time-out needs room for the warning a minute before it.
    for name, least in (("LP_IDLE_TIMEOUT_MINUTES", 2), ("LP_ABSOLUTE_TIMEOUT_HOURS", 1)):
        if int(settings[name]) < least:
            raise ValueError(f"{name} must be at least {least}")


class InsecureSecretKey(RuntimeError):
    """The configured SECRET_KEY would let others forge sessions; the app refuses to start."""


#: Well-known placeholders; every value in deploy/env.example is refused as well.
KNOWN_EXAMPLE_KEYS = frozenset({
    "change-me-to-a-long-random-value", "change-me", "changeme", "secret", "secret-key", "secret_key",
    "dev", "development", "test", "test-secret", "production-test", "bench", "...",
})
SECRET_KEY_MIN_LENGTH = 32
#: Estimated from the key's own character frequencies; 32 random hex digits give 90 to 125.
SECRET_KEY_MIN_BITS = 80
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


def _published_values() -> set[str]:
    """Return every value of the deployment example (its SECRET_KEY is the one people copy)."""
    example = PROJECT_ROOT / "deploy" / "env.example"
    if not example.exists():
        return set()
    lines = [line for line in example.read_text(encoding="utf-8").splitlines()
             if "=" in line and not line.startswith("#")]
    return {line.partition("=")[2].strip().lower() for line in lines}


def check_secret_key(key: str) -> None:
    """Refuse a SECRET_KEY that is short, a published example, or low in entropy."""
    if key.strip().lower() in KNOWN_EXAMPLE_KEYS | _published_values():
        problem = "is an example value published with LP-tracker"
    elif len(key) < SECRET_KEY_MIN_LENGTH:
        problem = f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    elif estimated_bits(key) < SECRET_KEY_MIN_BITS or is_pattern(key):
        problem = "is too predictable (too few different characters)"
    else:
        return
    raise InsecureSecretKey(
        f"SECRET_KEY {problem}: anyone who knows or guesses it can forge a login. "
        f"Make a new one with\n    {MAKE_A_KEY}\nand set it as SECRET_KEY (the same on every web worker), "
        "or leave SECRET_KEY unset to have one generated into the instance folder."
    )


def normalise_database_url(url: str) -> str:
    """Make plain ``postgresql://`` URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance: Path) -> str:
    """Return the key kept in ``instance/secret_key``, generating it on first use."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()
