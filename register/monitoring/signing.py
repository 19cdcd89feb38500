"""Webhook signatures: HMAC-SHA256 over ``"{timestamp}.{body}"``, sent as ``t=<unix>,v1=<hex>``.

Signing the timestamp with the body lets a receiver refuse replays of an old delivery; the scheme is the
one Stripe and others use, so receivers can reuse familiar code (docs/monitoring.md shows one).
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Register-Signature"
TIMESTAMP_HEADER = "X-Register-Timestamp"
EVENT_ID_HEADER = "X-Register-Event-Id"
DELIVERY_ID_HEADER = "X-Register-Delivery-Id"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"{timestamp}.{body}"`` under ``secret``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Register-Signature``: both the timestamp and the signature."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
