"""Key rotation with a JWKS URL: both keys work while published; a removed key is refused after the refresh."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from register.tokens import TokenError, TokenVerifier

ISSUER, AUDIENCE = "idp-tests", "fpp-register"


class JwksServer:
    """A tiny identity provider on 127.0.0.1 that publishes whatever keys the test sets."""

    def __init__(self) -> None:
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"keys": [owner.public_jwk(kid) for kid in owner.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def public_jwk(self, kid: str) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "alg": "ES256", "use": "sig"}

    def token(self, kid: str, sub: str) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "role": "regulator", "iat": now, "exp": now + 600}
        return jwt.encode(claims, self.keys[kid], algorithm="ES256", headers={"kid": kid})


@pytest.fixture
def idp() -> Iterator[JwksServer]:
    server = JwksServer()
    server.keys = {"old": ec.generate_private_key(ec.SECP256R1()), "new": ec.generate_private_key(ec.SECP256R1())}
    yield server
    server.httpd.shutdown()


def test_both_published_keys_are_accepted_and_a_removed_key_is_refused_after_the_refresh(idp: JwksServer) -> None:
    verifier = TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=idp.url, jwks_cache_seconds=1)
    assert verifier.verify(idp.token("old", "a"))["sub"] == "a"
    assert verifier.verify(idp.token("new", "b"))["sub"] == "b"
    removed = idp.keys.pop("old")
    time.sleep(1.2)  # let the JWKS cache expire (the refresh interval is configured, here one second)
    assert verifier.verify(idp.token("new", "c"))["sub"] == "c"
    # A fresh token signed with the key that is no longer published:
    with pytest.raises(TokenError, match="not trusted"):
        verifier.verify(
            jwt.encode(
                {"iss": ISSUER, "aud": AUDIENCE, "sub": "d", "role": "regulator", "exp": int(time.time()) + 600},
                removed,
                algorithm="ES256",
                headers={"kid": "old"},
            )
        )
