"""Forms of the reminder inbox: the filters, acknowledging and snoozing.

The forms carry text only; the services parse and check it (reminders.services).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Form, SelectField

from lp.core.forms import ANY, options
from lp.reminders.services import ACKNOWLEDGE_FIELDS, KIND_CHOICES, LEVELS, SNOOZE_FIELDS
from lp.requests.forms import country_choices, mission_choices, spec_field

SCOPES = (("mine", _l("Mine (my countries and my cases)")), ("all", _l("All")))


class InboxFilterForm(Form):
    """Which reminders to list (a GET form, so a filtered inbox can be bookmarked)."""

    scope = SelectField(_l("Show"), choices=options(SCOPES), validate_choice=False)
    kind = SelectField(_l("Kind"), choices=options((ANY, *KIND_CHOICES)), validate_choice=False)
    level = SelectField(_l("Level"), choices=options((ANY, *((str(n), str(n)) for n in LEVELS))),
                        validate_choice=False)
    country = SelectField(_l("Country"), choices=lambda: country_choices(ANY), validate_choice=False)
    mission = SelectField(_l("Mission"), choices=lambda: mission_choices(None, ANY), validate_choice=False)
    handled = BooleanField(_l("Also acknowledged and snoozed"))


def _spec_form(name: str, specs) -> type[Form]:
    return type(name, (Form,), {spec.name: spec_field(spec) for spec in specs})


#: Plain forms: the page carries the CSRF token as a hidden input (several forms share a page).
AcknowledgeForm = _spec_form("AcknowledgeForm", ACKNOWLEDGE_FIELDS)
SnoozeForm = _spec_form("SnoozeForm", SNOOZE_FIELDS)
