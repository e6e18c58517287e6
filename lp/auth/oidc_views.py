"""The single sign-on pages: off to the provider, back with a verified ID token, signed in.

Also closes the password login (form, password reset) when ``LP_LOCAL_LOGIN`` is off.
"""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError
from requests import RequestException

from lp.auth import oidc, sessions
from lp.auth.signin import safe_next
from lp.web.access import public
from lp.web.extensions import db
from lp.web.security import CONTENT_SECURITY_POLICY

bp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")

#: Where the page asked for before the sign-in is kept while the browser is at the provider.
NEXT_KEY = "lp_oidc_next"
#: The password login's pages, closed when LP_LOCAL_LOGIN is off.
PASSWORD_PAGES = frozenset({"auth.forgot_password", "auth.reset_password"})


@bp.get("/login")
@public
def login():
    if not oidc.enabled():
        abort(404)
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    try:  # reads the provider's discovery document on the first sign-in of this process
        return oidc.client().authorize_redirect(oidc.redirect_uri())
    except RequestException:
        message = _l("The identity provider cannot be reached. Try again later.")
        return render_template("auth/sso_refused.html", message=message), 503


@bp.get("/callback")
@public
def callback():
    if not oidc.enabled():
        abort(404)
    try:
        token = oidc.client().authorize_access_token(claims_options=oidc.claims_options())
    except (OAuthError, JoseError, RequestException) as error:
        return _refused(oidc.Refusal(f"protocol:{type(error).__name__}", _invalid_answer()))
    claims = token.get("userinfo")
    if not claims:  # no ID token, so nothing verified: never sign in on the access token alone
        return _refused(oidc.Refusal("no_id_token", _invalid_answer()))
    outcome = oidc.account_for(dict(claims))
    if isinstance(outcome, oidc.Refusal):
        db.session.rollback()
        return _refused(outcome)
    next_page = session.pop(NEXT_KEY, None) or url_for("main.index")
    sessions.sign_in(outcome)  # commits the account and its new session
    session[oidc.ID_TOKEN_KEY] = token["id_token"]
    return redirect(next_page)


def _invalid_answer():
    return _l("The answer of the identity provider could not be verified. Try to sign in again.")


def _refused(refusal: oidc.Refusal):
    oidc.refuse(refusal)
    db.session.commit()
    session.pop(NEXT_KEY, None)
    return render_template("auth/sso_refused.html", message=refusal.message), 403


@bp.before_app_request
def _close_password_login():
    """Without local login, the password form does not accept posts and password reset is gone."""
    if oidc.local_login_enabled():
        return None
    if request.endpoint in PASSWORD_PAGES or (request.endpoint == "auth.login" and request.method == "POST"):
        abort(404)
    return None


@bp.app_context_processor
def _login_options():
    return {"sso_enabled": oidc.enabled(), "local_login": oidc.local_login_enabled(),
            "sso_provider": current_app.config.get("LP_OIDC_PROVIDER_NAME")}


@bp.after_app_request
def _let_logout_reach_the_provider(response):
    """Allow the logout form's redirect to the provider's end-session page.

    Browsers hold a form's redirects to ``form-action`` too; without the provider's origin
    the logout would stop here. Runs before lp.web.security, which keeps a policy already set.
    """
    if oidc.enabled() and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {oidc.provider_origin()}")
    return response
