"""Per-client question limits: who a client is, and whether it may ask now."""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_log = logging.getLogger(__name__)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str] = ()
) -> str:
    """The asking client's address: the peer, or when the peer is a trusted proxy, the last
    address in X-Forwarded-For that is not one (a client can forge the ones before it)."""
    networks = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    address = peer or "unknown"
    if not trusted(address) or not forwarded_for:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        address = hop
        if not trusted(hop):
            break
    return address


class RateLimiter:
    """A sustained rate (e.g. 30/minute) and a burst cap (per second) for each client, counted
    in the `limits` storage at `storage` (this process's memory, or e.g. a Redis shared by
    replicas) under `namespace`; `rate` None lets everyone through."""

    def __init__(
        self,
        rate: str | None,
        burst: int,
        trusted_proxies: Sequence[str] = (),
        storage: str = "memory://",
        namespace: str = "ask",
    ) -> None:
        self.trusted_proxies = tuple(trusted_proxies)
        self.namespace = namespace
        self._items: list[RateLimitItem] = (
            [parse(rate), RateLimitItemPerSecond(burst)] if rate else []
        )
        self._window = MovingWindowRateLimiter(storage_from_string(storage))

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The identity a request counts against (see `client_address`)."""
        return client_address(peer, forwarded_for, self.trusted_proxies)

    def wait(self, client: str) -> int | None:
        """None when `client` may go on, else the seconds to wait; counts nothing."""
        try:
            for item in self._items:
                if not self._window.test(item, self.namespace, client):
                    reset = self._window.get_window_stats(item, self.namespace, client).reset_time
                    return max(1, math.ceil(reset - time.time()))
        except Exception as exc:  # a storage outage must not stop the answers
            _log.warning("rate limit storage unavailable, not limiting: %s", exc)
        return None

    def count(self, client: str) -> None:
        """Count one request of `client`."""
        try:
            for item in self._items:
                self._window.hit(item, self.namespace, client)
        except Exception as exc:
            _log.warning("rate limit storage unavailable, not limiting: %s", exc)

    def hit(self, client: str) -> int | None:
        """Count one request of `client`; None when allowed, else the seconds to wait (and
        then nothing is counted)."""
        wait = self.wait(client)
        if wait is None:
            self.count(client)
        return wait
