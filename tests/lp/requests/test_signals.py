"""The requests package tells the features above it about its changes through signals (lp.core.signals)."""

from __future__ import annotations

from lp.core.signals import request_changed, request_closed
from lp.requests import services
from lp.requests.models import LpRequest
from lp.web.extensions import db


def test_a_refusal_is_announced_as_a_change_and_a_closing(app, make_country, make_request):
    request_id = make_request(make_country("GN"), submitted_on="2026-01-05")
    heard: list[tuple[str, int, str | None]] = []

    def closed(request, **_extra):
        heard.append(("closed", request.id, None))

    def changed(request, *, event, **_extra):
        heard.append(("changed", request.id, event.kind))

    with app.test_request_context(), request_closed.connected_to(closed), request_changed.connected_to(changed):
        services.apply_transition(db.session.get(LpRequest, request_id), "refuse",
                                  {"refusal_reason": "other", "decided_on": "2026-02-06"}, user_id=None)
    assert heard == [("closed", request_id, None), ("changed", request_id, "status")]
    with app.app_context():
        assert db.session.get(LpRequest, request_id).is_open is False
