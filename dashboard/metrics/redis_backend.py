"""The Redis metrics backend: one Lua script call (one round trip) per flush.

Keys (``key_prefix`` first, ``toolkit:metrics`` by default):

- ``<prefix>:m:<minute epoch>`` / ``<prefix>:h:<hour epoch>``: hashes of counters, one field per
  operation and counter (``query\\tTopBooks\\tc``); they expire after two hours / the retention;
- ``<prefix>:t``: the all-time totals (``/metrics``), same fields, no expiry;
- ``<prefix>:names``: a sorted set of admitted operation names scored by when they were last
  seen; names unseen for the retention leave it (and the totals), making room for new ones;
- ``<prefix>:s:<hour epoch>``: a sorted set of that hour's slowest operations (``slowest_kept``).

The script admits names and adds every counter atomically, so any number of processes share
one limit of ``max_operation_names``.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import redis

from dashboard.conf import metrics_config, redis_url
from dashboard.metrics.aggregates import (
    BUCKETS,
    COUNTERS,
    HOUR,
    MINUTE,
    MINUTE_RETENTION_SECONDS,
    OTHER,
    Aggregate,
    OperationKey,
    SlowOperation,
    Window,
)
from dashboard.metrics.recorder import is_fixed

FIELDS = [*COUNTERS.values(), *(f"h{i}" for i in range(BUCKETS))]

WRITE_SCRIPT = """
local p = cjson.decode(ARGV[1])
local prefix = p.prefix
local names = prefix .. ':names'
local totals = prefix .. ':t'
local cutoff = '(' .. p.cutoff
local stale = redis.call('ZRANGEBYSCORE', names, '-inf', cutoff)
for _, op in ipairs(stale) do
  local fields = {}
  for _, f in ipairs(p.fields) do fields[#fields + 1] = op .. '\\t' .. f end
  redis.call('HDEL', totals, unpack(fields))
end
if #stale > 0 then redis.call('ZREMRANGEBYSCORE', names, '-inf', cutoff) end
local final = {}
local function admit(op, fixed, other)
  local known = final[op]
  if known then return known end
  local result = op
  if fixed == 0 then
    if redis.call('ZSCORE', names, op) or redis.call('ZCARD', names) < p.max then
      redis.call('ZADD', names, p.now, op)
    else
      result = other
    end
  end
  final[op] = result
  return result
end
for _, row in ipairs(p.rows) do
  local op = admit(row[3], row[4], row[5])
  local minute_key = prefix .. ':m:' .. row[1]
  local hour_key = prefix .. ':h:' .. row[2]
  for f, v in pairs(row[6]) do
    local field = op .. '\\t' .. f
    redis.call('HINCRBY', minute_key, field, v)
    redis.call('HINCRBY', hour_key, field, v)
    redis.call('HINCRBY', totals, field, v)
  end
  redis.call('EXPIRE', minute_key, p.minute_ttl)
  redis.call('EXPIRE', hour_key, p.ttl)
end
for _, s in ipairs(p.slow) do
  local op = admit(s[2], s[3], s[4])
  local key = prefix .. ':s:' .. s[1]
  s[6].op = op
  redis.call('ZADD', key, s[5], cjson.encode(s[6]))
  redis.call('ZREMRANGEBYRANK', key, 0, -(p.keep + 1))
  redis.call('EXPIRE', key, p.ttl)
end
local admitted = {}
for op, result in pairs(final) do
  if result == op then admitted[#admitted + 1] = op end
end
return admitted
"""

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def client(url: str) -> redis.Redis:
    """One connection pool per URL, with short timeouts: metrics must never hold a request up."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return _clients[url]


def _op(key: OperationKey) -> str:
    return f"{key[0]}\t{key[1]}"


class RedisBackend:
    name = "redis"

    def __init__(self, url: str | None = None) -> None:
        self.url = url or redis_url()
        if not self.url:
            raise ValueError(
                'the Redis metrics backend needs REDIS_URL or TOOLKIT["DASHBOARD"]["METRICS"]["redis_url"]'
            )
        self.redis = client(self.url)
        self.script = self.redis.register_script(WRITE_SCRIPT)

    @property
    def prefix(self) -> str:
        return metrics_config()["key_prefix"]

    def write(
        self, rows: list[tuple[int, str, str, Aggregate]], slow: list[SlowOperation], now: float
    ) -> set[OperationKey]:
        config = metrics_config()
        ttl = int(config["retention_days"]) * 86400 + HOUR

        def head(key: OperationKey) -> list[Any]:
            return [_op(key), 1 if is_fixed(key) else 0, _op((key[0], OTHER))]

        payload = {
            "prefix": self.prefix,
            "now": int(now),
            "cutoff": int(now) - int(config["retention_days"]) * 86400,
            "max": int(config["max_operation_names"]),
            "ttl": ttl,
            "minute_ttl": MINUTE_RETENTION_SECONDS + MINUTE,
            "keep": int(config["slowest_kept"]),
            "fields": FIELDS,
            "rows": [
                [
                    str(minute),
                    str(minute // HOUR * HOUR),
                    *head((t, n)),
                    {k: str(v) for k, v in aggregate.as_increments().items()},
                ]
                for minute, t, n, aggregate in rows
            ],
            "slow": [
                [
                    str(int(s.at // HOUR * HOUR)),
                    *head((s.operation_type, s.operation_name)),
                    repr(s.seconds),
                    {"at": s.at, "sql": s.sql, "status": s.status, "id": uuid.uuid4().hex[:8]},
                ]
                for s in slow
            ],
        }
        admitted = self.script(args=[json.dumps(payload)])
        return {tuple(op.decode().split("\t", 1)) for op in admitted or []}  # type: ignore[misc]

    # -- reading ----------------------------------------------------------------------------------
    def _parse(self, mapping: dict[bytes, bytes]) -> dict[OperationKey, Aggregate]:
        found: dict[OperationKey, Aggregate] = {}
        for field, value in mapping.items():
            parts = field.decode().split("\t")
            if len(parts) != 3:
                continue
            found.setdefault((parts[0], parts[1]), Aggregate()).add_increment(parts[2], int(value))
        return found

    def read(
        self, window: Window, now: float
    ) -> tuple[list[tuple[int, str, str, Aggregate]], list[SlowOperation]]:
        prefix = self.prefix
        starts = window.starts(now)
        hours = sorted({start // HOUR * HOUR for start in starts})
        pipe = self.redis.pipeline(transaction=False)
        for start in starts:
            pipe.hgetall(f"{prefix}:{window.resolution}:{start}")
        for hour in hours:
            pipe.zrange(f"{prefix}:s:{hour}", 0, -1, desc=True, withscores=True)
        results = pipe.execute()
        rows = []
        for start, mapping in zip(starts, results[: len(starts)], strict=True):
            for (operation_type, name), aggregate in self._parse(mapping).items():
                rows.append((start, operation_type, name, aggregate))
        slowest = []
        for members in results[len(starts) :]:
            for member, score in members:
                data = json.loads(member)
                operation_type, _, name = data["op"].partition("\t")
                slowest.append(
                    SlowOperation(
                        float(data["at"]),
                        operation_type,
                        name,
                        float(score),
                        int(data["sql"]),
                        data["status"],
                    )
                )
        return rows, slowest

    def totals(self) -> dict[OperationKey, Aggregate]:
        return self._parse(self.redis.hgetall(f"{self.prefix}:t"))

    def names(self) -> list[OperationKey]:
        members = self.redis.zrange(f"{self.prefix}:names", 0, -1)
        return sorted(tuple(m.decode().split("\t", 1)) for m in members)  # type: ignore[misc]

    def clear(self) -> None:
        keys = list(self.redis.scan_iter(match=f"{self.prefix}:*", count=1000))
        if keys:
            self.redis.delete(*keys)
