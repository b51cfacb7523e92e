"""Each register's published limits, kept by every worker process together.

Two kinds of limit, declared per register in settings.EVALUATIONS_REGISTERS:

- `per_minute` or `per_second`: a rate. Turns are spaced `(window + jitter) / limit` seconds
  apart (`EVALUATIONS_LIMIT_JITTER`: room for the network's jitter), one shared "next free
  instant" per register: however many processes ask, no window holds more than the limit.
  A 429 moves that instant later for everyone (`penalise`).
- `concurrency`: at most that many calls in flight at once (VIES), as leased slots that expire
  if a worker dies holding one.

Where the state lives: the broker's Redis when the broker is Redis (a Lua script per turn, one
round trip), the database otherwise (one conditional `UPDATE ... RETURNING` per turn, which
SQLite >= 3.35 and PostgreSQL both run atomically), so the embedded defaults (SQLite and the
filesystem broker) hold the limits across processes too. settings.EVALUATIONS_LIMITER forces
one ("redis" or "database"); "off" disables the limits (unit tests with respx).

A caller waits for its turn up to `max_wait` seconds (`waiting_up_to`; the runners wait long,
a person's request briefly), then gets `LimitWait`: "could not find out" without calling.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from core.http import ServiceUnavailable

logger = logging.getLogger(__name__)

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "evaluations_limit_deadline", default=None
)


class LimitWait(ServiceUnavailable):
    """Our own limiter would have made this call wait too long: we did not call."""

    def describe(self) -> str:
        return f"{self.system} was not asked: its request limit was reached, try again later"


@contextlib.contextmanager
def waiting_up_to(seconds: float) -> Iterator[None]:
    """Calls made inside wait for their turns until `seconds` from now, all together (the
    runners: a share of their claim's lease, so a claimed row is answered before its lease
    ends and no other runner re-evaluates it)."""
    token = _deadline.set(time.time() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def max_wait() -> float:
    deadline = _deadline.get()
    if deadline is None:
        return settings.EVALUATIONS_LIMIT_MAX_WAIT
    return max(0.0, deadline - time.time())


def _conf(register: str) -> dict[str, Any]:
    return settings.EVALUATIONS_REGISTERS[register]


def interval(register: str) -> float:
    """Seconds between two turns: `per_second` (a 1-second window) or `per_minute` (60 s),
    spaced so that even arrivals `EVALUATIONS_LIMIT_JITTER` late or early never put more than
    the limit in one window: (window + jitter) / limit."""
    conf = _conf(register)
    if conf.get("per_second"):
        window, limit = 1.0, conf["per_second"]
    elif conf.get("per_minute"):
        window, limit = 60.0, conf["per_minute"]
    else:
        return 0.0
    return (window + settings.EVALUATIONS_LIMIT_JITTER) / limit


@contextlib.contextmanager
def turn(register: str) -> Iterator[None]:
    """Wait for the register's next rate slot and a concurrency slot, then run the call."""
    limiter = backend()
    if limiter is None:
        yield
        return
    deadline = time.time() + max_wait()
    spacing = interval(register)
    if spacing:
        delay = limiter.take_slot(register, spacing, deadline - time.time())
        if delay is None:
            raise LimitWait(register, f"the next {register} slot is after our wait budget")
        if delay > 0:
            time.sleep(delay)
    concurrency = _conf(register).get("concurrency") or 0
    if not concurrency:
        yield
        return
    token = uuid.uuid4().hex
    lease = settings.EXTERNAL_HTTP_TIMEOUT + settings.EVALUATIONS_REGISTER_TIMEOUT + 5
    pause = 0.02
    while not limiter.acquire(register, concurrency, token, lease):
        if time.time() + pause > deadline:
            raise LimitWait(register, f"no free {register} slot within our wait budget")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.25)
    try:
        yield
    finally:
        limiter.release(register, token)


def penalise(register: str, seconds: float | None) -> None:
    """The register said "too many" (429): nobody calls it again before `seconds` (its
    Retry-After, or EVALUATIONS_REGISTER_BACKOFF)."""
    limiter = backend()
    if limiter is not None:
        wait = seconds if seconds and seconds > 0 else settings.EVALUATIONS_REGISTER_BACKOFF
        limiter.push_back(register, time.time() + wait)
        logger.warning("%s answered 429: every worker waits %.1f s", register, wait)


def backend() -> RedisLimiter | DatabaseLimiter | None:
    choice = settings.EVALUATIONS_LIMITER
    if choice == "off":
        return None
    if choice == "redis" or (
        choice == "auto" and settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    ):
        return _redis_limiter(settings.CELERY_BROKER_URL)
    return DatabaseLimiter()


# --- the database -------------------------------------------------------------------------


class DatabaseLimiter:
    """Rows of `RegisterLimit` (the next free instant) and `RegisterSlot` (leased slots),
    changed by single conditional UPDATEs (autocommit: nothing is held while calling)."""

    def take_slot(self, register: str, spacing: float, budget: float) -> float | None:
        RegisterLimit = apps.get_model("evaluations", "RegisterLimit")

        table = RegisterLimit._meta.db_table
        for _ in range(3):
            now = time.time()
            row = _returning(
                f"UPDATE {table} SET next_at = "  # noqa: S608 (our table name)
                "(CASE WHEN next_at > %s THEN next_at ELSE %s END) + %s "
                "WHERE name = %s AND next_at - %s <= %s RETURNING next_at",
                [now, now, spacing, register, now, max(budget, 0)],
            )
            if row is not None:
                return max(0.0, row[0] - spacing - now)
            next_at = (
                RegisterLimit.objects.filter(name=register)
                .values_list("next_at", flat=True)
                .first()
            )
            if next_at is None:  # the register's first turn: make its row, then take it
                with contextlib.suppress(IntegrityError), transaction.atomic():
                    RegisterLimit.objects.create(name=register, next_at=0)
            elif next_at - time.time() > budget:
                return None  # the next slot is beyond our budget
        return None

    def push_back(self, register: str, until: float) -> None:
        RegisterLimit = apps.get_model("evaluations", "RegisterLimit")

        with contextlib.suppress(IntegrityError), transaction.atomic():
            RegisterLimit.objects.get_or_create(name=register, defaults={"next_at": 0})
        RegisterLimit.objects.filter(name=register, next_at__lt=until).update(next_at=until)

    def acquire(self, register: str, concurrency: int, token: str, lease: float) -> bool:
        RegisterSlot = apps.get_model("evaluations", "RegisterSlot")

        _ensure_slots(register, concurrency)
        table = RegisterSlot._meta.db_table
        now = time.time()
        # The outer `held_until < now` is checked again on the row actually updated, so two
        # callers that picked the same free slot cannot both get it.
        return (
            _returning(
                f"UPDATE {table} SET held_until = %s, token = %s WHERE id = ("  # noqa: S608
                f"SELECT id FROM {table} WHERE register = %s AND number < %s "
                "AND held_until < %s ORDER BY held_until LIMIT 1) AND held_until < %s "
                "RETURNING id",
                [now + lease, token, register, concurrency, now, now],
            )
            is not None
        )

    def release(self, register: str, token: str) -> None:
        RegisterSlot = apps.get_model("evaluations", "RegisterSlot")

        RegisterSlot.objects.filter(register=register, token=token).update(held_until=0, token="")


def _returning(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """One autocommitted statement's first returned row. SQLite answers "database is locked"
    when many processes write at once and its busy timeout runs out: the limiter's
    one-statement turns are simply tried again (a few times, briefly)."""
    for attempt in range(5):
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        except OperationalError:
            if attempt == 4 or connection.in_atomic_block:
                raise
            time.sleep(0.05 * 2**attempt)
    return None  # pragma: no cover


def _ensure_slots(register: str, concurrency: int) -> None:
    RegisterSlot = apps.get_model("evaluations", "RegisterSlot")

    if RegisterSlot.objects.filter(register=register).count() >= concurrency:
        return
    RegisterSlot.objects.bulk_create(
        [RegisterSlot(register=register, number=n) for n in range(concurrency)],
        ignore_conflicts=True,
    )


# --- Redis --------------------------------------------------------------------------------

_TAKE_SLOT = """
local now = tonumber(ARGV[1])
local spacing = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local next_at = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(next_at, now)
if slot - now > budget then return nil end
redis.call('SET', KEYS[1], tostring(slot + spacing), 'EX', 86400)
return tostring(slot - now)
"""

_PUSH_BACK = """
local next_at = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_at < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', 86400)
end
return 1
"""

_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[1], 86400)
  return 1
end
return 0
"""


class RedisLimiter:
    """The same limits in the broker's Redis: one Lua script per operation (atomic)."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self._take = self.redis.register_script(_TAKE_SLOT)
        self._push = self.redis.register_script(_PUSH_BACK)
        self._acquire = self.redis.register_script(_ACQUIRE)

    @staticmethod
    def _key(register: str, what: str) -> str:
        return f"evaluations:limits:{register}:{what}"

    def take_slot(self, register: str, spacing: float, budget: float) -> float | None:
        answer = self._take(
            keys=[self._key(register, "next")], args=[time.time(), spacing, max(budget, 0)]
        )
        return None if answer is None else float(answer)

    def push_back(self, register: str, until: float) -> None:
        self._push(keys=[self._key(register, "next")], args=[until])

    def acquire(self, register: str, concurrency: int, token: str, lease: float) -> bool:
        now = time.time()
        return bool(
            self._acquire(
                keys=[self._key(register, "slots")], args=[now, concurrency, now + lease, token]
            )
        )

    def release(self, register: str, token: str) -> None:
        self.redis.zrem(self._key(register, "slots"), token)


@functools.cache
def _redis_limiter(url: str) -> RedisLimiter:
    return RedisLimiter(url)
