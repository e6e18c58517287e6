"""The form fields' attributes are written as WTForms writes them (lp.core.forms.html_params)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from lp.core.forms import html_params, wtforms_html_params

ATTRIBUTES = [
    {"class_": "form-control is-invalid", "id": "refuse-note", "name": "refuse-note", "value": ""},
    {"name": 'a"b<c>&d\'e', "value": Markup('<b title="x">bold</b>'), "for_": "x"},
    {"checked": True, "readonly": False, "required": True, "data_max_chars": 500, "aria_describedby": "a b"},
    {"value": 3, "type": "date", "autofocus": False, "placeholder": "ééé “quoted”"},
    {},
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_the_same_attributes_as_wtforms(attributes) -> None:
    ours, theirs = html_params(**attributes), wtforms_html_params(**attributes)
    assert ours == theirs
    assert isinstance(ours, Markup)
