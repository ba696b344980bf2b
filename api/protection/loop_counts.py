"""A card's counts in Redis in one round trip, asked from the event loop.

`limits` counts each limit with a script of its own: a card's burst limit, then the code's alert
ceiling, were two round trips, and a refusal two more (its count for the owner, then its window
for Retry-After). In one profile of a PostgreSQL worker, the two took 16 % of its main thread
(bench/README.md). TAKE_CARD does it all in one script, on the very keys and lists `limits`'
moving window keeps (its acquire_moving_window.lua, applied to each key in turn), so that
`limits` itself reads and writes the same windows: a process counting from threads, the owner's
count of refusals, a Sentinel's limiter.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem
from redis.asyncio import BlockingConnectionPool, Redis
from redis.commands.core import AsyncScript

# The keys: the card's limits, then the code's ceilings, then the code's count of refusals today.
# ARGV: the time now, how many of the keys are the card's limits, the refusals' expiry, then
# each limit's and ceiling's size and window in seconds.
# The answer: 1 or 0, whether the card raises alerts, then for each limit that refused it the
# time its oldest counted card leaves the window ("" for one that took it).
TAKE_CARD = """
local now = tonumber(ARGV[1])
local limits = tonumber(ARGV[2])
local refused_expiry = tonumber(ARGV[3])
local ceilings = #KEYS - 1 - limits

-- limits' moving window: a card's time pushed on the list, unless the list's place `size` holds
-- a time still inside the window (the list keeps the newest `size`). A limit of 0 refuses every
-- card, its window free in `expiry` seconds, as limits answers it.
local function take(key, size, expiry)
    if size < 1 then
        return tostring(now)
    end
    local oldest = redis.call('lindex', key, size - 1)
    if oldest and tonumber(oldest) >= now - expiry then
        return oldest
    end
    redis.call('lpush', key, now)
    redis.call('ltrim', key, 0, size - 1)
    redis.call('expire', key, expiry)
    return false
end

local answer = {1}
local refused = false
for i = 1, limits do
    local oldest = take(KEYS[i], tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i]))
    answer[1 + i] = oldest or ''
    refused = refused or oldest ~= false
end
if refused then
    local count = redis.call('incrby', KEYS[#KEYS], 1)
    if count == 1 then
        redis.call('expire', KEYS[#KEYS], refused_expiry)
    end
    return answer
end
for i = limits + 1, limits + ceilings do
    if take(KEYS[i], tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])) then
        answer[1] = 0
        break
    end
end
return answer
"""


@dataclass(frozen=True)
class Counted:
    """What Redis said of one card."""

    allowed: bool
    alerts: bool
    # Whole seconds until the strictest refusing limit frees a place (0 when allowed).
    retry_after: int


@dataclass(frozen=True)
class LoopCounts:
    """TAKE_CARD on one event loop's connections to Redis."""

    script: AsyncScript
    pool: BlockingConnectionPool
    key_prefix: str

    @classmethod
    def open(
        cls, redis_url: str, *, key_prefix: str, connections: int, timeout: float
    ) -> "LoopCounts":
        # A connection for each count in flight, up to `connections`: a flood must not take all
        # of Redis's (its failure would let cards in without limits). A few, with cards waiting
        # their turn, cost PostgreSQL's workers a fifth of their cards a second.
        pool = BlockingConnectionPool.from_url(
            redis_url,
            max_connections=connections,
            timeout=timeout,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
        )
        script = Redis(connection_pool=pool).register_script(TAKE_CARD)
        return cls(script=script, pool=pool, key_prefix=key_prefix)

    async def take_card(
        self,
        *,
        limits: list[RateLimitItem],
        window: tuple[str, ...],
        ceilings: list[RateLimitItem],
        code_token: str,
        refused_key: str,
        refused_expiry: int,
    ) -> Counted:
        """Count a card against its limits; if they all take it, against the code's ceilings
        (in order, none after the first that is full); if one refuses it, count the refusal."""
        keys = [item.key_for(*window) for item in limits]
        keys += [item.key_for("code", code_token) for item in ceilings]
        keys.append(refused_key)
        arguments: list[float | int] = [time.time(), len(limits), refused_expiry]
        for item in [*limits, *ceilings]:
            arguments += [item.amount, item.get_expiry()]
        answer = await self.script(
            keys=[f"{self.key_prefix}:{key}" for key in keys], args=arguments
        )
        resets = [
            float(oldest) + item.get_expiry()
            for oldest, item in zip(answer[1:], limits, strict=True)
            if oldest
        ]
        if resets:
            return Counted(allowed=False, alerts=False, retry_after=seconds_until(max(resets)))
        return Counted(allowed=True, alerts=answer[0] == 1, retry_after=0)

    async def close(self) -> None:
        await self.pool.aclose()


def seconds_until(reset_time: float) -> int:
    """Whole seconds until a window frees a place, at least 1 (for Retry-After)."""
    return max(1, math.ceil(reset_time - time.time()))
