"""A subscriber's webhook endpoint, written as a trust would write it: it checks the signature with its own code."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

TOLERANCE_SECONDS = 300


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True if ``X-Register-Signature`` (``t=<unix>,v1=<hex>``) signs ``body`` with ``secret``, recently."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass
class Call:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int


@dataclass
class Receiver:
    """An ASGI app: verifies each delivery, answers with the next scripted status (then 200), records it all."""

    secret: str
    statuses: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """The event documents it accepted (verified and answered 2xx), in arrival order."""
        return [json.loads(c.body) for c in self.calls if c.verified and 200 <= c.status < 300]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        verified = verify_signature(self.secret, headers.get("x-register-signature", ""), body)
        status = (self.statuses.pop(0) if self.statuses else 200) if verified else 401
        self.calls.append(Call(scope["path"], headers, body, verified, status))
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"thanks" if status < 300 else b"no"})


def client_for(receiver: Any) -> httpx.AsyncClient:
    """An HTTP client whose every request reaches ``receiver`` in-process (whatever the URL's host)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver))
