"""Configuration: defaults, then environment, then the test mapping; secrets kept."""

import re

import pytest

from lp.web.config import load_config, normalise_database_url


def test_defaults_then_environment_then_test_mapping(tmp_path):
    settings = load_config(str(tmp_path), {}, None)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lp.sqlite3'}"
    assert settings["LP_PASSWORD_MIN_LENGTH"] == 12

    env = {"DATABASE_URL": "postgresql://u@db/x", "LP_PASSWORD_MIN_LENGTH": "16"}
    settings = load_config(str(tmp_path), env, None)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert settings["LP_PASSWORD_MIN_LENGTH"] == 16

    settings = load_config(str(tmp_path), env, {"LP_PASSWORD_MIN_LENGTH": 20})
    assert settings["LP_PASSWORD_MIN_LENGTH"] == 20


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_config(str(tmp_path), {}, None)["SECRET_KEY"]
    second = load_config(str(tmp_path), {}, None)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    strong = "82e44fa759edbb30bd5d869a356960b7b1388ca75e56873afdf00b0449d5085e"
    assert load_config(str(tmp_path), {"SECRET_KEY": strong}, None)["SECRET_KEY"] == strong


def test_session_cookie_secure_outside_development(tmp_path):
    assert load_config(str(tmp_path), {}, None)["SESSION_COOKIE_SECURE"] is True
    dev = load_config(str(tmp_path), {"LP_ENV": "development"}, None)
    assert dev["SESSION_COOKIE_SECURE"] is False
    assert dev["SESSION_COOKIE_HTTPONLY"] is True and dev["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def _published_secret_keys() -> set[str]:
    """Every SECRET_KEY value in the deployment example and the README."""
    from lp import PROJECT_ROOT

    keys = set()
    for path in (PROJECT_ROOT / "deploy" / "env.example", PROJECT_ROOT / "README.md"):
        keys.update(re.findall(r"SECRET_KEY=(\S+)", path.read_text()))
    env_values = [line.partition("=")[2] for line in (PROJECT_ROOT / "deploy" / "env.example").read_text().splitlines()
                  if "=" in line and not line.startswith("#")]
    return keys | {value for value in env_values if value}


WEAK_KEYS = ["short-key", "x" * 64, "abcd" * 16, "0123456789" * 4]


@pytest.mark.parametrize("key", sorted(_published_secret_keys()) + WEAK_KEYS)
def test_production_refuses_to_start_with_a_weak_or_published_secret_key(key, tmp_path):
    from lp import create_app
    from lp.web.config import InsecureSecretKey

    assert "change-me-to-a-long-random-value" in _published_secret_keys()
    with pytest.raises(InsecureSecretKey) as refused:
        create_app({"SECRET_KEY": key, "LP_INSTANCE_PATH": str(tmp_path), "LP_ENV": "production"})
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in str(refused.value)


def test_a_generated_secret_key_starts_and_development_is_not_checked(tmp_path):
    import secrets

    from lp import create_app

    app = create_app({"SECRET_KEY": secrets.token_hex(32), "LP_INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    dev = create_app({"SECRET_KEY": "dev", "LP_INSTANCE_PATH": str(tmp_path), "LP_ENV": "development",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert dev.config["SECRET_KEY"] == "dev"
