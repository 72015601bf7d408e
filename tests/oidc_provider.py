"""A small OpenID Connect identity provider on this machine, for testing the staff sign-in end to end.

It speaks the authorization-code flow with PKCE as a real provider does (discovery document,
authorization, token and key endpoints, RS256-signed ID tokens with the client's nonce), and signs
in one test user without asking: enough for Streamlit's ``st.login`` to run its real code path.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Provider:
    """The provider's address, its registered client and the user it signs in."""

    issuer: str
    client_id: str = "estimator-front-desk"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user: dict = field(default_factory=lambda: {"sub": "staff-0001", "email": "kim.lee@clinic.example",
                                                "name": "Kim Lee"})
    tokens_issued: int = 0

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@contextlib.contextmanager
def oidc_provider() -> Iterator[Provider]:
    """Run the provider on a free local port for the duration of the block."""
    signing_key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
    public_jwk = signing_key.as_dict(private=False)
    codes: dict[str, dict] = {}
    provider: Provider

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                iss = provider.issuer
                return self._json({
                    "issuer": iss, "authorization_endpoint": f"{iss}/authorize", "token_endpoint": f"{iss}/token",
                    "jwks_uri": f"{iss}/jwks", "userinfo_endpoint": f"{iss}/userinfo",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid", "email",
                                                                                            "profile"],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    "code_challenge_methods_supported": ["S256"]})
            if url.path == "/jwks":
                return self._json({"keys": [public_jwk]})
            if url.path == "/authorize":
                if q.get("client_id") != provider.client_id or q.get("response_type") != "code":
                    return self._json({"error": "invalid_request"}, 400)
                code = secrets.token_urlsafe(16)
                codes[code] = {"nonce": q.get("nonce"), "redirect_uri": q.get("redirect_uri"),
                               "challenge": q.get("code_challenge")}
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")
                self.end_headers()
                return None
            return self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if urlparse(self.path).path != "/token":
                return self._json({"error": "not_found"}, 404)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
            grant = codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            if (client_id, client_secret) != (provider.client_id, provider.client_secret) or grant is None \
                    or grant["redirect_uri"] != form.get("redirect_uri") \
                    or (grant["challenge"] and _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]):
                return self._json({"error": "invalid_grant"}, 400)
            now = int(time.time())
            claims = {"iss": provider.issuer, "aud": provider.client_id, "iat": now, "exp": now + 600,
                      "nonce": grant["nonce"], **provider.user}
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, signing_key)
            provider.tokens_issued += 1
            return self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                               "expires_in": 600, "id_token": id_token, "scope": "openid email profile"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider = Provider(issuer=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
