"""Configuration: defaults, then environment, then the test mapping; secrets kept."""

from lp.config import load_config, normalise_database_url


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
    assert load_config(str(tmp_path), {"SECRET_KEY": "from-env"}, None)["SECRET_KEY"] == "from-env"


def test_session_cookie_secure_outside_development(tmp_path):
    assert load_config(str(tmp_path), {}, None)["SESSION_COOKIE_SECURE"] is True
    dev = load_config(str(tmp_path), {"LP_ENV": "development"}, None)
    assert dev["SESSION_COOKIE_SECURE"] is False
    assert dev["SESSION_COOKIE_HTTPONLY"] is True and dev["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"
