"""A real OpenID Connect provider on 127.0.0.1 for the tests: oidc-provider-mock, served in a thread.

It issues signed ID tokens from its own key, publishes discovery, keys and an
end-session endpoint, and lets a test set a user's claims (``PUT /users/<sub>``).
The token requests it receives are kept, so a test can check how the client authenticated.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import oidc_provider_mock
import requests
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class Provider:
    url: str
    #: The form fields of every token request, in order.
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def set_user(self, sub: str, **claims) -> None:
        """Give the provider's user ``sub`` these claims (they go into the ID token)."""
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def consent(self, authorize_url: str, sub: str) -> str:
        """Sign in at the provider as ``sub`` (its form, posted); return where it sends the browser."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _recording(app, provider: Provider):
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            provider.token_requests.append({k: v[0] for k, v in parse_qs(body.decode()).items()})

            environ["wsgi.input"] = io.BytesIO(body)
        return app(environ, start_response)
    return wsgi


@contextmanager
def running_provider(**options) -> Iterator[Provider]:
    """Serve a provider (``require_nonce``; ``options`` go to ``oidc_provider_mock.app``) on a free port."""
    app = oidc_provider_mock.app(require_nonce=True, **options)
    provider = Provider(url="")
    server = make_server("127.0.0.1", 0, _recording(app, provider), threaded=True, request_handler=_QuietHandler)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
