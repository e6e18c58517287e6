"""Defect 6 of issue 11: a long text is never cut on the way; the server says how long it was."""

import re

from sqlalchemy import select

from lp.requests.models import RequestEvent
from lp.web.extensions import db
from tests.lp.requests.test_views import _page, act, guinea  # noqa: F401  (fixture)


def test_a_note_over_the_limit_is_refused_with_its_length_and_kept(app, client, login_as, guinea,  # noqa: F811
                                                                   make_request):
    request_id = make_request("GN", submitted_on="2026-11-01")
    login_as("staff")
    page = _page(client, f"/requests/{request_id}")
    textarea = re.search(r'<textarea[^>]*id="contact-note"[^>]*>', page).group(0)
    assert "maxlength" not in textarea and 'data-max-chars="4000"' in textarea
    assert 'id="contact-note-count"' in page and "0 van 4000 tekens" in page
    text = "x" * 5000
    response = act(client, request_id, "contact", {"contact_kind": "call", "occurred_on": "2026-11-05",
                                                   "note": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Gebruik hoogstens 4000 tekens (u voerde er 5000 in)." in html
    assert f">\r\n{text}</textarea>" in html  # kept in the form
    assert "5000 van 4000 tekens: 1000 te veel" in html
    with app.app_context():
        assert db.session.scalar(select(RequestEvent.id).where(RequestEvent.kind == "contact")) is None
