"""Single sign-on against a real OpenID Connect provider running on 127.0.0.1 (oidc-provider-mock).

The test client plays the browser: it starts at /auth/oidc/login, the provider's own
authorisation form is posted as the user, and the provider's answer is followed back to
/auth/oidc/callback, where the app fetches and verifies the ID token over real HTTP.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select

from lp.auth.models import User
from lp.auth.oidc import OidcSettingsError, check_settings
from lp.web.audit import AuditEvent
from lp.web.extensions import db
from tests.conftest import post_form
from tests.oidc_provider import PROVIDER_WARNINGS, running_provider

pytestmark = PROVIDER_WARNINGS

ROLE_MAP = "lp-viewers=viewer,lp-staff=staff,lp-admins=admin"


@pytest.fixture
def provider_options() -> dict:
    return {}


@pytest.fixture
def provider(monkeypatch, provider_options):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test provider speaks plain HTTP on 127.0.0.1
    with running_provider(**provider_options) as provider:
        yield provider


@pytest.fixture
def client_key() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture
def key_file(tmp_path, client_key) -> str:
    path = tmp_path / "client.pem"
    path.write_bytes(client_key.as_pem(private=True))
    return str(path)


@pytest.fixture
def use_client_key() -> bool:
    """False: the development secret; a test parametrizes True for private_key_jwt."""
    return False


@pytest.fixture
def config_overrides(provider, use_client_key, key_file, client_key):
    if use_client_key:
        provider.client_keys["lp-tracker"] = RSAKey.import_key(client_key.as_pem(private=False))
    credentials = {"LP_OIDC_CLIENT_KEY_FILE": key_file} if use_client_key else {
        "LP_OIDC_CLIENT_SECRET": "development-only"}
    return {"LP_ENV": "development", "SESSION_COOKIE_SECURE": False, "LP_OIDC_ISSUER": provider.url,
            "LP_OIDC_CLIENT_ID": "lp-tracker", **credentials,
            "LP_OIDC_PROVIDER_NAME": "Rijks-SSO", "LP_OIDC_ROLE_MAP": ROLE_MAP, "LP_OIDC_MFA_AMR": "mfa,otp"}


def start(client, next_page: str | None = None) -> str:
    """Press "Sign in with ..."; return the provider's authorisation address the app sends the browser to."""
    response = client.get("/auth/oidc/login" + (f"?next={next_page}" if next_page else ""))
    assert response.status_code == 302
    return response.location


def come_back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, sub: str, next_page: str | None = None):
    return come_back(client, provider.consent(start(client, next_page), sub))


def with_param(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def refusals(app) -> list[str]:
    with app.app_context():
        return [event.details["reason"] for event in
                db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.sso_refused"))]


def test_a_user_of_a_mapped_group_signs_in_and_gets_an_account_with_that_role(app, client, provider):
    provider.set_user("alice-123", email="Alice@Example.org", name="Alice de Vries", groups=["lp-staff"])
    authorize = start(client, "/requests/")
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]

    response = come_back(client, provider.consent(authorize, "alice-123"))

    assert response.status_code == 302 and response.location == "/requests/"
    assert signed_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.oidc_subject == "alice-123"))
        assert (user.email, user.display_name, user.role, user.oidc_issuer) == (
            "alice@example.org", "Alice de Vries", "staff", provider.url)
    assert "code_verifier" in provider.token_requests[-1]  # PKCE: the verifier goes with the code


def test_the_next_sign_in_finds_the_account_by_issuer_and_subject_and_follows_the_group(app, client, provider):
    provider.set_user("bob-1", email="bob@example.org", groups=["lp-staff"])
    sign_in(client, provider, "bob-1")
    provider.set_user("bob-1", email="bob.new@example.org", groups=["lp-viewers"])

    other_browser = app.test_client()
    assert sign_in(other_browser, provider, "bob-1").status_code == 302

    with app.app_context():
        users = db.session.scalars(select(User).where(User.oidc_subject == "bob-1")).all()
        assert [(u.email, u.role) for u in users] == [("bob@example.org", "viewer")]


def test_an_existing_local_account_with_the_same_email_is_never_taken_over(app, client, provider, make_user):
    make_user(email="carol@example.org", role="admin")
    provider.set_user("mallory", email="carol@example.org", groups=["lp-viewers"])

    response = sign_in(client, provider, "mallory")

    assert response.status_code == 403
    assert not signed_in(client)
    assert refusals(app) == ["email_taken"]
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "carol@example.org")).oidc_subject is None


def test_a_wrong_state_is_refused(app, client, provider):
    provider.set_user("dave", email="dave@example.org", groups=["lp-staff"])
    callback = provider.consent(start(client), "dave")

    response = come_back(client, with_param(callback, state="forged-state"))

    assert response.status_code == 403
    assert "kon niet worden geverifieerd" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert refusals(app) == ["protocol:MismatchingStateError"]


def test_a_wrong_nonce_is_refused(app, client, provider):
    provider.set_user("erin", email="erin@example.org", groups=["lp-staff"])
    authorize = start(client)

    response = come_back(client, provider.consent(with_param(authorize, nonce="another-nonce"), "erin"))

    assert response.status_code == 403
    assert not signed_in(client)
    assert refusals(app)[0].startswith("protocol:")


def test_a_token_for_another_audience_is_refused(app, client, provider, monkeypatch):
    import oidc_provider_mock._app as provider_app

    # The provider is configured to issue its ID tokens for another client.
    monkeypatch.setattr(provider_app.OpenIDCode, "get_client_claims", lambda self, client: {"aud": ["other-app"]},
                        raising=False)
    provider.set_user("frank", email="frank@example.org", groups=["lp-staff"])

    response = sign_in(client, provider, "frank")

    assert response.status_code == 403
    assert not signed_in(client)
    assert refusals(app)[0].startswith("protocol:")


@pytest.mark.parametrize("provider_options", [{"access_token_max_age": timedelta(minutes=-10)}])
def test_an_expired_token_is_refused(app, client, provider):
    provider.set_user("grace", email="grace@example.org", groups=["lp-staff"])

    response = sign_in(client, provider, "grace")

    assert response.status_code == 403
    assert not signed_in(client)
    assert refusals(app)[0].startswith("protocol:")


@pytest.mark.parametrize("claims", [{}, {"groups": []}, {"groups": ["marketing"]}], ids=["none", "empty", "unmapped"])
def test_a_user_without_a_role_claim_is_refused_and_gets_no_account(app, client, provider, claims):
    provider.set_user("heidi", email="heidi@example.org", **claims)

    response = sign_in(client, provider, "heidi")

    assert response.status_code == 403
    assert "heeft geen rol in LP-tracker" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert refusals(app) == ["no_role"]
    with app.app_context():
        assert db.session.scalar(select(User).where(User.oidc_subject == "heidi")) is None


def test_an_admin_without_multi_factor_is_refused(app, client, provider):
    provider.set_user("ivan", email="ivan@example.org", groups=["lp-admins"], amr=["pwd"], acr="basic")

    response = sign_in(client, provider, "ivan")

    assert response.status_code == 403
    assert not signed_in(client)
    assert refusals(app) == ["no_multi_factor"]


def test_an_admin_with_multi_factor_in_amr_signs_in(app, client, provider):
    provider.set_user("judy", email="judy@example.org", groups=["lp-viewers", "lp-admins"], amr=["pwd", "otp"])

    assert sign_in(client, provider, "judy").status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_logout_ends_the_session_at_the_provider_too(app, client, provider):
    provider.set_user("kim", email="kim@example.org", groups=["lp-viewers"])
    sign_in(client, provider, "kim")

    response = post_form(client, "/auth/logout", page="/")

    assert response.status_code == 302
    target = urlsplit(response.location)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/oauth2/end_session"
    query = parse_qs(target.query)
    assert query["id_token_hint"] and query["post_logout_redirect_uri"] == ["http://localhost/auth/login"]
    assert not signed_in(client)


def test_the_api_does_not_accept_the_single_sign_on_session(app, client, provider):
    provider.set_user("leo", email="leo@example.org", groups=["lp-admins"], amr=["mfa"])
    sign_in(client, provider, "leo")

    assert client.get("/api/v1/countries").status_code == 401


def test_the_login_page_offers_the_provider(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "/auth/oidc/login" in page and "Rijks-SSO" in page


@pytest.mark.parametrize("config_overrides", [{
    "LP_ENV": "development", "LP_OIDC_ISSUER": "https://idp.example.org", "LP_OIDC_CLIENT_ID": "lp",
    "LP_OIDC_CLIENT_SECRET": "development-only", "LP_OIDC_ROLE_MAP": ROLE_MAP, "LP_LOCAL_LOGIN": False,
    "WTF_CSRF_ENABLED": False}])  # the page has no form, so no CSRF token: the post must fail on the switch alone
def test_with_local_login_off_there_is_no_password_login(client, make_user):
    make_user(email="nina@example.org")
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'type="password"' not in page and "/auth/oidc/login" in page
    assert client.post("/auth/login", data={"email": "nina@example.org", "password": "x"}).status_code == 404
    assert client.get("/auth/forgot").status_code == 404


#: Settings that pass the checks outside development, but for the client key (see ``production``).
PRODUCTION = {"LP_ENV": "production", "LP_OIDC_ISSUER": "https://idp.example.org",
              "LP_OIDC_CLIENT_ID": "lp", "LP_OIDC_REDIRECT_URI": "https://lp.example.org/auth/oidc/callback",
              "LP_OIDC_ROLE_CLAIM": "groups", "LP_OIDC_ROLE_MAP": ROLE_MAP}


@pytest.mark.parametrize(("changes", "says"), [
    ({"LP_OIDC_CLIENT_SECRET": "s3cret", "LP_OIDC_CLIENT_KEY_FILE": None}, "development only"),
    ({"LP_OIDC_REDIRECT_URI": "http://lp.example.org/auth/oidc/callback"}, "https://"),
    ({"LP_OIDC_REDIRECT_URI": None}, "LP_OIDC_REDIRECT_URI"),
    ({"LP_OIDC_ISSUER": "http://idp.example.org"}, "LP_OIDC_ISSUER"),
    ({"LP_OIDC_CLIENT_KEY_FILE": None}, "LP_OIDC_CLIENT_KEY_FILE"),
    ({"LP_OIDC_CLIENT_SECRET": "s3cret", "LP_ENV": "development"}, "not both"),
    ({"LP_OIDC_CLIENT_KEY_FILE": "/nonexistent/key.pem"}, "no file"),
    ({"LP_OIDC_ROLE_MAP": ""}, "LP_OIDC_ROLE_MAP"),
    ({"LP_OIDC_ROLE_MAP": "lp-admins=root"}, "LP_OIDC_ROLE_MAP"),
    ({"LP_OIDC_ISSUER": None, "LP_LOCAL_LOGIN": False}, "nobody could sign in"),
])
def test_unsafe_or_incomplete_settings_stop_the_app(changes, says, key_file):
    with pytest.raises(OidcSettingsError, match=says):
        check_settings({**PRODUCTION, "LP_OIDC_CLIENT_KEY_FILE": key_file, **changes})


def test_a_key_file_without_a_private_key_stops_the_app(tmp_path, client_key):
    public = tmp_path / "public.pem"
    public.write_bytes(client_key.as_pem(private=False))
    with pytest.raises(OidcSettingsError, match="no RSA or EC private key"):
        check_settings({**PRODUCTION, "LP_OIDC_CLIENT_KEY_FILE": str(public)})


@pytest.mark.parametrize("key", [RSAKey.generate_key(2048), ECKey.generate_key("P-256")], ids=["RSA", "EC"])
def test_production_settings_with_a_client_key_are_accepted(tmp_path, key):
    path = tmp_path / "client.pem"
    path.write_bytes(key.as_pem(private=True))
    check_settings({**PRODUCTION, "LP_OIDC_CLIENT_KEY_FILE": str(path)})


@pytest.mark.parametrize("use_client_key", [True])
def test_the_client_authenticates_with_a_signed_assertion_not_a_secret(app, client, provider):
    provider.set_user("olga", email="olga@example.org", groups=["lp-viewers"])

    assert sign_in(client, provider, "olga").status_code == 302, refusals(app)

    sent = provider.token_requests[-1]
    assert "client_secret" not in sent
    assert sent["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert provider.check_assertion(sent) == "lp-tracker"


@pytest.mark.parametrize("use_client_key", [True])
def test_an_assertion_signed_with_another_key_is_refused_by_the_provider(app, client, provider):
    provider.client_keys["lp-tracker"] = RSAKey.generate_key(2048)  # the provider knows another key
    provider.set_user("piet", email="piet@example.org", groups=["lp-viewers"])

    assert sign_in(client, provider, "piet").status_code == 403
    assert not signed_in(client)


def test_an_administrator_links_an_existing_account_which_then_signs_in_through_the_provider(
        app, client, provider, make_user, runner):
    user_id = make_user(email="quinn@example.org", role="viewer")
    provider.set_user("q-42", email="quinn@example.org", groups=["lp-staff"])

    result = runner.invoke(args=["lp", "users", "link-sso", "quinn@example.org", "q-42"])
    assert result.exit_code == 0, result.output

    assert sign_in(client, provider, "q-42").status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.oidc_issuer, user.oidc_subject, user.role) == (provider.url, "q-42", "staff")


def test_an_identity_already_linked_to_another_account_is_not_linked_twice(app, provider, make_user, runner):
    make_user(email="rob@example.org")
    make_user(email="sam@example.org")
    assert runner.invoke(args=["lp", "users", "link-sso", "rob@example.org", "x-1"]).exit_code == 0

    result = runner.invoke(args=["lp", "users", "link-sso", "sam@example.org", "x-1"])

    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "sam@example.org")).oidc_subject is None


def test_the_providers_answer_replayed_in_another_browser_signs_nobody_in(app, client, provider):
    provider.set_user("tara", email="tara@example.org", groups=["lp-viewers"])
    callback = provider.consent(start(client), "tara")
    assert come_back(client, callback).status_code == 302

    other_browser = app.test_client()
    assert come_back(other_browser, callback).status_code == 403  # its session holds no such state
    assert not signed_in(other_browser)


@pytest.mark.parametrize("config_overrides", [{
    "LP_ENV": "development", "LP_OIDC_ISSUER": "http://127.0.0.1:9", "LP_OIDC_CLIENT_ID": "lp",
    "LP_OIDC_CLIENT_SECRET": "development-only", "LP_OIDC_ROLE_MAP": ROLE_MAP}])
def test_a_provider_that_cannot_be_reached_gets_a_clear_page(client):
    response = client.get("/auth/oidc/login")

    assert response.status_code == 503
    assert "kan niet worden bereikt" in response.get_data(as_text=True)
