"""A per-client token bucket, keyed by a salted hash of the client's address (never stored)."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from starlette.exceptions import HTTPException


class TokenBuckets:
    """`burst` actions at once per client, then one more every `refill_seconds`.

    Only in memory: the salt is drawn per process, so the keys cannot be turned back into
    addresses, and nothing about a client outlives the process. At most `max_clients` buckets
    are kept; the least recently seen go first (a forgotten client simply starts full again).
    """

    def __init__(
        self,
        burst: int,
        refill_seconds: float,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.refill_seconds, self.max_clients = burst, refill_seconds, max_clients
        self.clock = clock
        self._salt = secrets.token_bytes(16)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, address: str) -> str:
        return hmac.new(self._salt, address.encode(), hashlib.sha256).hexdigest()

    def take(self, address: str) -> float:
        """Spend one token of this client: 0 when allowed, else the seconds until one is back."""
        key, now = self.key(address), self.clock()
        with self._lock:
            tokens, then = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) / self.refill_seconds)
            wait = 0.0 if tokens >= 1 else (1 - tokens) * self.refill_seconds
            self._buckets[key] = (tokens - 1 if not wait else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def client_address(request: Request) -> str:
    # The socket's peer: a header such as X-Forwarded-For is the client's to forge.
    return request.client.host if request.client else "unknown"


def spend(request: Request, buckets: TokenBuckets, what: str) -> None:
    """Take a token for this request's client or raise 429 with Retry-After (whole seconds)."""
    wait = buckets.take(client_address(request))
    if wait:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            429,
            f"{what}: too many from this client; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
