"""Per-caller rate limiting: a token bucket per token ``sub``, kept in this process.

Each caller may make ``rate_limit_burst`` requests at once and ``rate_limit_per_minute`` on average; past
that the answer is a 429 problem with ``Retry-After``. Requests without a principal (health probes, the
docs, the problem pages, refused tokens) are not counted. The budget is per process: see
docs/reliability.md for running several workers or instances.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send

from register.access.principal import Principal

# Past this many callers, buckets that have refilled completely are dropped (they hold no information).
_PRUNE_AT = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Buckets of ``burst`` tokens per caller, refilled at ``per_minute / 60`` tokens a second."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, caller: str) -> float:
        """Take one token for ``caller``: 0 when allowed, else the seconds until a token is available."""
        now = self.clock()
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= _PRUNE_AT:
                self._prune(now)
            bucket = self._buckets[caller] = _Bucket(tokens=self.burst, updated=now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for caller in full:
            del self._buckets[caller]


def rate_limit_middleware(limiter: TokenBucketLimiter) -> Callable[[ASGIApp], ASGIApp]:
    """ASGI middleware (after authentication) that spends one token of the caller's bucket per request."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            principal = scope.get("user")
            if limiter.enabled and scope["type"] == ScopeType.HTTP and isinstance(principal, Principal):
                wait = limiter.acquire(principal.sub)
                if wait > 0:
                    seconds = max(1, math.ceil(wait))
                    raise TooManyRequestsException(
                        detail=f"Too many requests for this caller; retry after {seconds} s.",
                        headers={"Retry-After": str(seconds)},
                    )
            await app(scope, receive, send)

        return middleware

    return factory
