"""Redis locks owned by a token: only the holder may renew or release one, so an expired holder that wakes up
late cannot delete (or extend) the lock somebody else now holds."""

from __future__ import annotations

import redis

# KEYS[1] = lock, ARGV[1] = owner token
RELEASE_IF_OWNER = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# KEYS[1] = lock, ARGV[1] = owner token, ARGV[2] = ttl in ms. Renews our lock or takes a free one.
ACQUIRE_OR_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""


def release_if_owner(client: redis.Redis, key: str, token: str) -> bool:
    return bool(client.eval(RELEASE_IF_OWNER, 1, key, token))


class LeaderLock:
    """One holder among several processes; the holder renews well before `ttl_ms`, the others keep trying."""

    def __init__(self, client: redis.Redis, key: str, token: str, ttl_ms: int) -> None:
        self.client = client
        self.key = key
        self.token = token
        self.ttl_ms = ttl_ms

    def acquire_or_renew(self) -> bool:
        return bool(self.client.eval(ACQUIRE_OR_RENEW, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        release_if_owner(self.client, self.key, self.token)
