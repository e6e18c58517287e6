"""A real OpenID Connect provider on 127.0.0.1 for the tests: oidc-provider-mock, served in a thread.

It issues signed ID tokens from its own key, publishes discovery, keys and an
end-session endpoint, and lets a test set a user's claims (``PUT /users/<sub>``).
The token requests it receives are kept, so a test can check how the client authenticated.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode

import oidc_provider_mock
import pytest
import requests
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry
from werkzeug.serving import WSGIRequestHandler, make_server

#: Mark for tests that use the provider: oidc-provider-mock (not our code) still implements a
#: deprecated Authlib hook, warned about in its server thread on every token it issues.
PROVIDER_WARNINGS = pytest.mark.filterwarnings(
    r"ignore:get_jwt_config\(self, grant\) is deprecated:DeprecationWarning")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class Provider:
    url: str
    #: The form fields of every token request, in order.
    token_requests: list[dict[str, str]] = field(default_factory=list)
    #: The public keys of clients registered for ``private_key_jwt``, by client id.
    client_keys: dict[str, RSAKey] = field(default_factory=dict)

    def check_assertion(self, fields: dict[str, str]) -> str | None:
        """Verify a ``private_key_jwt`` client assertion as a provider does; return the client id, or None."""
        try:
            payload = json.loads(jws.extract_compact(fields["client_assertion"].encode()).payload)
        except (JoseError, ValueError):
            return None  # the issuer is read unverified only to pick the key that verifies it
        key = self.client_keys.get(payload.get("iss", ""))
        if key is None:
            return None
        try:
            token = jwt.decode(fields["client_assertion"], key, algorithms=["RS256"])
            JWTClaimsRegistry(iss={"essential": True, "value": payload["iss"]},
                              sub={"essential": True, "value": payload["iss"]},
                              aud={"essential": True, "value": f"{self.url}/oauth2/token"},
                              exp={"essential": True}).validate(token.claims)
        except JoseError:
            return None
        return payload["iss"]

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
    """Keep each token request; verify ``private_key_jwt`` assertions, which oidc-provider-mock lacks."""
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/oauth2/token":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            provider.token_requests.append(fields)
            if "client_assertion" in fields:
                # Verify the assertion as a provider does, then pass the request on as from the client
                # it proved to be (the mock takes any secret of a client it does not know).
                client_id = provider.check_assertion(fields)
                if client_id is None:
                    start_response("401 Unauthorized", [("Content-Type", "application/json")])
                    return [b'{"error": "invalid_client"}']
                passed_on = {k: v for k, v in fields.items() if not k.startswith("client_assertion")}
                body = urlencode({**passed_on, "client_id": client_id, "client_secret": "verified"}).encode()
                environ["CONTENT_LENGTH"] = str(len(body))
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
