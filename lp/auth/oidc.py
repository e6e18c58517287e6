"""Single sign-on through an OpenID Connect provider, beside (or instead of) local accounts.

Authlib's Flask client does the protocol: Authorization Code flow with PKCE (S256),
``state`` and ``nonce`` kept in the session and checked on return, and the ID token's
signature (the provider's published keys), ``iss``, ``aud``, ``exp`` and ``nonce``
verified before any claim is read. This module adds what is ours: the settings and
their checks at start-up, the client's own authentication (``private_key_jwt``; a
shared secret only in development), the role from a configurable claim, the
multi-factor rule for administrators, and finding the account by issuer and subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app, session, url_for
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select

from lp.auth.models import User
from lp.auth.roles import Role
from lp.auth.services import find_user_by_email, normalise_email
from lp.core.validation import ValidationFailed
from lp.web import audit
from lp.web.extensions import db

CLIENT_NAME = "sso"
#: Where Authlib's Flask integration keeps its registry in ``app.extensions`` (one per app).
EXTENSION = "authlib.integrations.flask_client"
#: The scopes asked for: ``openid`` for the ID token, ``email`` and ``profile`` for a new account.
SCOPES = "openid email profile"
#: Where the session keeps the ID token, sent back as ``id_token_hint`` when signing out.
ID_TOKEN_KEY = "lp_oidc_id_token"
#: Stored as the password hash of an account made by single sign-on: no password matches it.
NO_PASSWORD = "!single-sign-on"


class OidcSettingsError(RuntimeError):
    """The single sign-on settings are incomplete or unsafe; the app refuses to start."""


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in through the provider is refused: ``reason`` for the audit row, ``message`` for the user."""

    reason: str
    message: Any


def _words(text: str | None) -> list[str]:
    return [word.strip() for word in (text or "").split(",") if word.strip()]


def parse_role_map(text: str | None) -> dict[str, Role]:
    """Read ``LP_OIDC_ROLE_MAP`` (``group=role,group=role``) into a mapping, or raise OidcSettingsError."""
    mapping: dict[str, Role] = {}
    for pair in _words(text):
        group, sep, role = pair.rpartition("=")
        try:
            mapping[group.strip()] = Role(role.strip())
        except ValueError:
            raise OidcSettingsError(
                f"LP_OIDC_ROLE_MAP: {pair!r} is not group=role with role one of "
                f"{', '.join(r.value for r in Role)}") from None
        if not sep or not group.strip():
            raise OidcSettingsError(f"LP_OIDC_ROLE_MAP: {pair!r} is not group=role")
    return mapping


def enabled() -> bool:
    """Return whether single sign-on is configured in this app."""
    return bool(current_app.config.get("LP_OIDC_ISSUER"))


def local_login_enabled() -> bool:
    """Return whether the password login form (and password reset) is offered."""
    return bool(current_app.config.get("LP_LOCAL_LOGIN", True))


def check_settings(config: dict[str, Any]) -> None:
    """Refuse settings that would make single sign-on unsafe or unusable, saying which and why."""
    development = config.get("LP_ENV") == "development"
    if not config.get("LP_OIDC_ISSUER"):
        if not config.get("LP_LOCAL_LOGIN", True):
            raise OidcSettingsError("LP_LOCAL_LOGIN is off but LP_OIDC_ISSUER is unset: nobody could sign in")
        return
    if not config.get("LP_OIDC_CLIENT_ID"):
        raise OidcSettingsError("LP_OIDC_ISSUER is set but LP_OIDC_CLIENT_ID is not")
    key_file, secret = config.get("LP_OIDC_CLIENT_KEY_FILE"), config.get("LP_OIDC_CLIENT_SECRET")
    if key_file and secret:
        raise OidcSettingsError("set LP_OIDC_CLIENT_KEY_FILE or LP_OIDC_CLIENT_SECRET, not both")
    if not key_file and not secret:
        raise OidcSettingsError("single sign-on needs the client's private key: set LP_OIDC_CLIENT_KEY_FILE")
    if secret and not development:
        raise OidcSettingsError("LP_OIDC_CLIENT_SECRET is for development only (LP_ENV=development); "
                                "register the client with private_key_jwt and set LP_OIDC_CLIENT_KEY_FILE")
    if key_file:
        if not Path(key_file).is_file():
            raise OidcSettingsError(f"LP_OIDC_CLIENT_KEY_FILE: no file {key_file}")
        load_client_key(key_file)
    redirect_uri = config.get("LP_OIDC_REDIRECT_URI")
    if not development:
        if not redirect_uri or urlsplit(redirect_uri).scheme != "https":
            raise OidcSettingsError("LP_OIDC_REDIRECT_URI must be the exact https:// address of "
                                    "/auth/oidc/callback registered at the provider")
        if urlsplit(config["LP_OIDC_ISSUER"]).scheme != "https":
            raise OidcSettingsError("LP_OIDC_ISSUER must be an https:// address")
    if not config.get("LP_OIDC_ROLE_CLAIM"):
        raise OidcSettingsError("LP_OIDC_ROLE_CLAIM is empty: without a role claim nobody gets access")
    if not parse_role_map(config.get("LP_OIDC_ROLE_MAP")):
        raise OidcSettingsError("LP_OIDC_ROLE_MAP is empty: map the provider's groups to viewer, staff or admin")


def load_client_key(path: str) -> RSAKey | ECKey:
    """Read the client's private key (RSA or EC, PEM) for ``private_key_jwt``, or raise OidcSettingsError."""
    pem = Path(path).read_bytes()
    for kind in (RSAKey, ECKey):
        try:
            key = kind.import_key(pem)
        except (ValueError, TypeError, JoseError):
            continue
        if key.is_private:
            return key
    raise OidcSettingsError(f"LP_OIDC_CLIENT_KEY_FILE: {path} holds no RSA or EC private key in PEM")


def init_app(app: Flask) -> None:
    """Check the settings and register the provider's client when single sign-on is configured."""
    config = app.config
    check_settings(config)
    if not config.get("LP_OIDC_ISSUER"):
        return
    oauth = OAuth(app)  # one registry per app: each app may name another provider
    issuer = config["LP_OIDC_ISSUER"].rstrip("/")
    client_kwargs: dict[str, Any] = {"scope": SCOPES, "code_challenge_method": "S256"}
    options: dict[str, Any] = {}
    if config.get("LP_OIDC_CLIENT_KEY_FILE"):
        client_kwargs["token_endpoint_auth_method"] = PrivateKeyJWT.name
        secret = load_client_key(config["LP_OIDC_CLIENT_KEY_FILE"])
        options["client_auth_methods"] = [PrivateKeyJWT(alg=config.get("LP_OIDC_CLIENT_KEY_ALG") or "RS256")]
    else:
        client_kwargs["token_endpoint_auth_method"] = "client_secret_basic"
        secret = config["LP_OIDC_CLIENT_SECRET"]
    oauth.register(
        CLIENT_NAME,
        client_id=config["LP_OIDC_CLIENT_ID"],
        client_secret=secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
        **options,
    )


def client():
    """Return the registered provider client (only when ``enabled()``)."""
    return current_app.extensions[EXTENSION].create_client(CLIENT_NAME)


def redirect_uri() -> str:
    """Return the exact callback address registered at the provider."""
    return current_app.config.get("LP_OIDC_REDIRECT_URI") or url_for("oidc.callback", _external=True)


def claims_options() -> dict[str, Any]:
    """Return what the ID token must hold besides a valid signature, ``aud`` and ``nonce``.

    The issuer is the configured one, not merely the one the discovery document names.
    """
    issuer = current_app.config["LP_OIDC_ISSUER"].rstrip("/")
    return {"iss": {"essential": True, "values": [issuer]}, "sub": {"essential": True},
            "exp": {"essential": True}}


def role_from_claims(claims: dict[str, Any]) -> Role | None:
    """Return the highest role the role claim's groups map to, or None (then: no access)."""
    config = current_app.config
    value = claims.get(config["LP_OIDC_ROLE_CLAIM"])
    groups = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    mapping = parse_role_map(config["LP_OIDC_ROLE_MAP"])
    roles = [mapping[group] for group in groups if isinstance(group, str) and group in mapping]
    return max(roles, key=lambda role: role.rank) if roles else None


def shows_multi_factor(claims: dict[str, Any]) -> bool:
    """Return whether the provider says the user signed in with more than one factor.

    ``acr`` must be one of LP_OIDC_MFA_ACR, or ``amr`` (RFC 8176) must hold one of LP_OIDC_MFA_AMR.
    """
    config = current_app.config
    acr, amr = claims.get("acr"), claims.get("amr")
    methods = set(amr) if isinstance(amr, list) else set()
    return (isinstance(acr, str) and acr in _words(config["LP_OIDC_MFA_ACR"])) or bool(
        methods & set(_words(config["LP_OIDC_MFA_AMR"])))


def multi_factor_needed(role: Role) -> bool:
    """Administrators always need a second factor; everybody when LP_MFA_REQUIRED is ``all``."""
    return role == Role.ADMIN or current_app.config.get("LP_MFA_REQUIRED") == "all"


def _new_account(claims: dict[str, Any], issuer: str, role: Role) -> User | Refusal:
    email = normalise_email(str(claims.get("email") or ""))
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return Refusal("no_email", _l("The identity provider did not give a valid e-mail address."))
    if find_user_by_email(email) is not None:  # never link on e-mail alone
        return Refusal("email_taken", _l("An account with this e-mail address exists already. Ask an "
                                         "administrator to link it to single sign-on."))
    name = str(claims.get("name") or "").strip()[:120] or email.split("@")[0]
    user = User(email=email, display_name=name, role=role.value, password_hash=NO_PASSWORD, active=True,
                oidc_issuer=issuer, oidc_subject=str(claims["sub"]))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, actor_id=user.id, role=role.value, via="oidc")
    return user


def account_for(claims: dict[str, Any]) -> User | Refusal:
    """Return the account the verified ID token's claims sign in, creating it on first sign-in.

    The account is found by issuer and subject; its role follows the provider's groups on
    every sign-in. The caller commits (also after a refusal, which is audited).
    """
    role = role_from_claims(claims)
    if role is None:
        return Refusal("no_role", _l("Your account at the identity provider has no role in LP-tracker. "
                                     "Ask your administrator for access."))
    if multi_factor_needed(role) and not shows_multi_factor(claims):
        return Refusal("no_multi_factor", _l("This account must sign in with two factors at the identity "
                                             "provider. Sign in there with a second factor and try again."))
    issuer = current_app.config["LP_OIDC_ISSUER"].rstrip("/")
    user = db.session.scalar(select(User).where(User.oidc_issuer == issuer,
                                                User.oidc_subject == str(claims["sub"])))
    if user is None:
        return _new_account(claims, issuer, role)
    if not user.active:
        return Refusal("inactive", _l("This account has been deactivated."))
    if user.role != role.value:
        audit.record("user.updated", "user", user.id, actor_id=user.id, role=[user.role, role.value], via="oidc")
        user.role = role.value
    return user


def link_account(user: User, issuer: str, subject: str) -> None:
    """Link an existing account to the provider's identity ``issuer`` + ``subject`` (an administrator's act).

    The only way a local account gets single sign-on: the provider's e-mail claim alone never links it.
    """
    issuer, subject = issuer.strip().rstrip("/"), subject.strip()
    if not issuer or not subject:
        raise ValidationFailed.single("subject", _l("Give the issuer and the subject."))
    other = db.session.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
    if other is not None and other.id != user.id:
        raise ValidationFailed.single("subject", _l("Another account signs in with this identity."))
    user.oidc_issuer, user.oidc_subject = issuer, subject
    audit.record("user.sso_linked", "user", user.id, issuer=issuer, subject=subject)
    db.session.commit()


def refuse(refusal: Refusal) -> None:
    """Record a refused sign-in in the audit log (the caller commits)."""
    audit.record("user.sso_refused", "user", None, reason=refusal.reason)


def logout_url(id_token: str | None) -> str | None:
    """Return the provider's end-session address that leads back to the login page, or None.

    None when single sign-on is off, this session did not come through it, or the
    provider publishes no ``end_session_endpoint``.
    """
    if not id_token or not enabled():
        return None
    sso = client()
    if not sso.load_server_metadata().get("end_session_endpoint"):
        return None
    return sso.create_logout_url(post_logout_redirect_uri=url_for("auth.login", _external=True),
                                 id_token_hint=id_token, client_id=current_app.config["LP_OIDC_CLIENT_ID"])["url"]


def provider_origin() -> str:
    """Return the provider's origin (scheme, host, port), which forms may now lead to: logout goes there."""
    parts = urlsplit(current_app.config["LP_OIDC_ISSUER"])
    return f"{parts.scheme}://{parts.netloc}"


def id_token_of_session() -> str | None:
    """Return the ID token this browser signed in with (None after a password login)."""
    return session.get(ID_TOKEN_KEY)
