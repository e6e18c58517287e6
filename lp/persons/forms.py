"""Forms for persons and their identity documents, built from the field definitions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SearchField

from lp.core.fields import FieldSpec
from lp.core.forms import VersionedForm
from lp.persons.services import DOCUMENT_FIELDS, PERSON_FIELDS
from lp.requests.forms import spec_field

#: The prefix that keeps the posted fields of the document on the person form apart.
DOCUMENT_PREFIX = "document_"


def _fields(specs: Iterable[FieldSpec], prefix: str = "") -> dict[str, Any]:
    return {prefix + spec.name: spec_field(spec) for spec in specs}


PersonForm = type("PersonForm", (VersionedForm,), _fields(PERSON_FIELDS))
#: Registering a person may also record a first identity document.
# The document is optional there, so none of its fields is marked as required.
NewPersonForm = type("NewPersonForm", (PersonForm,),
                     _fields((replace(spec, required=False) for spec in DOCUMENT_FIELDS), DOCUMENT_PREFIX))
DocumentForm = type("DocumentForm", (FlaskForm,), _fields(DOCUMENT_FIELDS))


class PersonSearchForm(Form):
    """Find a person by V-number or name (a GET form, so it can be bookmarked)."""

    q = SearchField(_l("V-number or name"), render_kw={"maxlength": 100, "autofocus": True})
