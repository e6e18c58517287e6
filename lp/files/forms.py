"""The upload forms: a file (the checks are the service's: size, kind, virus scan)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField(_l("File"))


class RemoveForm(FlaskForm):
    confirm = BooleanField(_l("Yes, remove this file"))
