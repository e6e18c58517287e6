"""/healthz answers without login, and says so when the database is gone."""

import pytest

from lp import create_app
from tests.conftest import base_config


def test_healthz_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


@pytest.fixture
def unreachable_app(request, tmp_path):
    if request.config.getoption("--db") == "postgresql":
        url = "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2"
    else:
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    return create_app(base_config(url, tmp_path / "instance"))


def test_healthz_503_when_database_unreachable(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


def test_database_outage_gives_503_pages_and_the_app_recovers(tmp_path):
    """Take the database away under a logged-in user, then bring it back."""
    from lp.auth import services
    from lp.web.extensions import db
    from tests.conftest import PASSWORD, Auth

    db_dir = tmp_path / "db"
    db_dir.mkdir()
    app = create_app(base_config(f"sqlite:///{db_dir / 'lp.sqlite3'}", tmp_path / "instance"))
    with app.app_context():
        db.create_all()
        services.create_user("staff@example.org", "Staff", "staff", PASSWORD)
    client = app.test_client()
    assert Auth(client).login("staff@example.org").status_code == 302

    with app.app_context():
        db.engine.dispose()
    db_dir.rename(tmp_path / "db-away")
    page = client.get("/", headers={"Accept-Language": "nl"})
    assert page.status_code == 503
    assert "Tijdelijk niet beschikbaar" in page.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503

    (tmp_path / "db-away").rename(db_dir)
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200
    with app.app_context():
        db.engine.dispose()
