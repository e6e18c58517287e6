"""The JSON API under ``/api/v1``: bearer tokens only, no cookies, no CSRF."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from lp.access import requires
from lp.auth.roles import Role
from lp.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens are not sent by browsers on their own, so cross-site forgery does
# not apply; the API never reads the session cookie (see lp.access).
csrf.exempt(bp)


@bp.get("/me")
@requires(Role.VIEWER)
def me():
    """Describe the account the token belongs to."""
    return jsonify(
        {
            "id": current_user.id,
            "email": current_user.email,
            "display_name": current_user.display_name,
            "role": current_user.role,
        }
    )
