"""The registers' shared limits: turns spaced per the published rate, concurrency slots, a
429 holding everyone back, a wait budget; in the database and in Redis; many threads (each
with its own connection, as separate workers) against the INSEE simulator's own log; and the
mapping row "our own limiter refused a turn" through the sources and the services."""

from __future__ import annotations

import itertools
import threading
import time
import uuid

import pytest
import respx
from django.core.cache import cache

from evaluations import limits, services
from evaluations.clients import HMRC_TOKEN_CACHE_KEY, InseeClient
from evaluations.models import Evaluation, Reason, State
from evaluations.selectors import evaluation_history
from evaluations.types import registry

REDIS_URL = "redis://127.0.0.1:6379/8"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    if request.param == "redis" and not _redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.EVALUATIONS_LIMITER = request.param
    settings.CELERY_BROKER_URL = REDIS_URL if request.param == "redis" else "filesystem://"
    settings.EVALUATIONS_LIMIT_JITTER = 0.0
    if request.param == "database":
        request.getfixturevalue("db")
    return request.param


@pytest.fixture
def register(settings, backend):
    """A register of its own (a fresh key in Redis), 600 a minute: one turn per 0.1 s."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    settings.EVALUATIONS_REGISTERS = {
        **settings.EVALUATIONS_REGISTERS,
        name: {"url": "http://x.test", "per_minute": 600, "concurrency": 2},
    }
    return name


def test_turns_are_spaced_by_the_published_rate(register):
    times = []
    for _ in range(5):
        with limits.turn(register):
            times.append(time.monotonic())

    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.08  # turns are exact; waking from a sleep is not
    assert times[-1] - times[0] >= 4 * 0.1 - 0.01


def test_a_turn_beyond_the_wait_budget_is_refused_without_calling(register, settings):
    settings.EVALUATIONS_REGISTERS[register]["per_minute"] = 1  # one a minute
    with limits.turn(register):
        pass

    with (
        pytest.raises(limits.LimitWait) as caught,
        limits.waiting_up_to(0.2),
        limits.turn(register),
    ):
        pytest.fail("called beyond the limit")
    assert caught.value.retryable


def test_a_429_holds_every_caller_back(register, settings):
    settings.EVALUATIONS_LIMIT_MAX_WAIT = 0.3
    limits.penalise(register, 30)

    with pytest.raises(limits.LimitWait), limits.turn(register):
        pytest.fail("called during the penalty")


def test_concurrency_slots_are_shared_and_released(register, settings):
    settings.EVALUATIONS_REGISTERS[register]["per_minute"] = 0
    limiter = limits.backend()

    assert limiter.acquire(register, 2, "a", 30)
    assert limiter.acquire(register, 2, "b", 30)
    assert not limiter.acquire(register, 2, "c", 30)
    limiter.release(register, "a")
    assert limiter.acquire(register, 2, "c", 30)


def test_an_expired_slot_is_taken_over(register):
    limiter = limits.backend()

    assert limiter.acquire(register, 1, "dead-worker", -1)  # a lease already over
    assert limiter.acquire(register, 1, "alive", 30)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["database", "redis"])
def test_many_threads_keep_the_rate_as_the_simulator_logs_it(simulators, settings, kind):
    """Six threads, each with its own database connection (as six worker processes), call
    INSEE; the simulator's log shows the calls spaced out, and no 429."""
    if kind == "redis" and not _redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.EVALUATIONS_LIMITER = kind
    settings.CELERY_BROKER_URL = REDIS_URL if kind == "redis" else "filesystem://"
    settings.EVALUATIONS_LIMIT_JITTER = 0.0
    settings.SIMULATORS_URL = simulators.url
    settings.EVALUATIONS_LIMIT_MAX_WAIT = 30
    settings.EVALUATIONS_REGISTERS = {
        **settings.EVALUATIONS_REGISTERS,
        "insee": {**settings.EVALUATIONS_REGISTERS["insee"], "url": "", "per_minute": 600},
    }
    if kind == "redis":
        limits._redis_limiter(REDIS_URL).redis.delete("evaluations:limits:insee:next")
    simulators.configure("insee", per_minute=600)
    errors: list[BaseException] = []

    def worker() -> None:
        from django.db import connection

        try:
            with InseeClient() as client:
                for _ in range(4):
                    client.legal_unit("732829320")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    log = simulators._call("GET", "/_control/insee/log", params={"times": "1"})["calls"]
    times = log["times"]
    assert (log["accepted"], log["rejected"]) == (24, 0)
    # Turns are 0.1 s apart; one arrival may drift by tens of ms on a busy machine (hence
    # EVALUATIONS_LIMIT_JITTER), but any 10 consecutive calls span nearly 10 spacings, and
    # the 24 calls never arrive faster than 23 spacings allow.
    spans = [times[i + 9] - times[i] for i in range(len(times) - 9)]
    assert min(spans) >= 0.9 - 0.2
    assert log["times"][-1] - log["times"][0] >= 23 * 0.1 - 0.2


# --- the mapping row: our own limiter refused a turn -> unconfirmed / unable_to_reach_api ----

LIMIT_REACHED = "was not asked: its request limit was reached, try again later"


@pytest.fixture
def limits_reached(db, settings):
    """The production sources, the shared limiter in the database, a short wait: a register
    whose next turn is a minute away (INSEE, HMRC: a 429's shared backoff) or whose slots are
    all held by other workers (VIES) refuses the turn without calling."""
    settings.EVALUATIONS_LIMITER = "database"
    settings.EVALUATIONS_LIMIT_MAX_WAIT = 0.3
    for t in registry:
        t.reset_source()
    cache.delete(HMRC_TOKEN_CACHE_KEY)
    limits.penalise("insee", 60)
    limits.penalise("hmrc", 60)
    limiter = limits.backend()
    slots = settings.EVALUATIONS_REGISTERS["vies"]["concurrency"]
    for n in range(slots):
        assert limiter.acquire("vies", slots, f"another-worker-{n}", 60)
    with respx.mock(assert_all_called=False) as network:  # any call at all would fail loudly
        yield network
    for t in registry:
        t.reset_source()


@pytest.mark.parametrize(
    ("kind", "value", "system"),
    [
        ("SIREN", "732829320", "the INSEE Sirene register"),
        ("VAT", "IE6388047V", "the EU VIES service"),
        ("VAT", "GB727255821", "HMRC's VAT number check"),
    ],
    ids=["insee-rate", "vies-concurrency", "hmrc-rate"],
)
def test_a_turn_our_limiter_refuses_is_unable_to_reach_api_with_its_note(
    limits_reached, kind, value, system
):
    started = time.monotonic()

    evaluation = services.evaluation_create(kind=kind, value=value, actor="test")

    assert (evaluation.state, evaluation.reason) == (State.UNCONFIRMED, Reason.UNABLE_TO_REACH_API)
    assert evaluation.score == 100
    (event,) = evaluation_history(evaluation)
    assert event.reason == f"{system} {LIMIT_REACHED}"
    assert limits_reached.calls.call_count == 0  # the register was not asked, nor its status
    assert time.monotonic() - started < 5  # a person waits EVALUATIONS_LIMIT_MAX_WAIT at most


def test_the_runners_record_a_refused_turn_for_each_row_of_an_insee_batch(
    limits_reached, evaluation_factory
):
    due = [
        evaluation_factory(value=value, score=0, reevaluation_due=True)
        for value in ("732829320", "552032534")
    ]

    assert services.reevaluate_next(actor="test") == 2

    for row in Evaluation.objects.filter(pk__in=[e.pk for e in due]):
        assert (row.state, row.reason, row.score) == (
            State.UNCONFIRMED,
            Reason.UNABLE_TO_REACH_API,
            100,
        )
        assert not row.reevaluation_due
        (event,) = evaluation_history(row)
        assert event.reason == f"the INSEE Sirene register {LIMIT_REACHED}"
    assert limits_reached.calls.call_count == 0
