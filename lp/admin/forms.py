"""Forms for managing accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lp.auth.roles import Role
from lp.web.i18n import LANGUAGES


def _role_choices():
    return [(role.value, role.label) for role in Role]


def _language_choices():
    return [("", _l("Browser setting")), *LANGUAGES.items()]


class UserCreateForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.VIEWER.value)
    preferred_language = SelectField(_l("Language"), choices=_language_choices, default="")
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(max=1024)],
        description=_l("Leave empty to generate one; it is shown once after saving."),
    )


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices)
    preferred_language = SelectField(_l("Language"), choices=_language_choices)
    version = HiddenField()


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for actions that need a confirmation."""
