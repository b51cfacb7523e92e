"""core.memory: a web process freezes what it loaded, pauses rarely in a request, and
collects a request's garbage once the response is closed (after the server sent it)."""

from __future__ import annotations

import gc

import pytest
from django.core.signals import request_finished

from core.memory import DEFAULT_YOUNG_THRESHOLD, tune_web_process, untune_web_process


@pytest.fixture
def tuned():
    before = gc.get_threshold()
    tune_web_process()
    yield
    untune_web_process()
    gc.set_threshold(*before)


def _generations_collected(action) -> list[int]:
    seen: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        action()
    finally:
        gc.callbacks.remove(callback)
    return seen


def test_what_is_loaded_is_frozen_and_the_young_threshold_raised(tuned):
    assert gc.get_freeze_count() > 10_000  # Django and the apps
    assert gc.get_threshold()[0] == DEFAULT_YOUNG_THRESHOLD


@pytest.mark.django_db  # request_finished also closes old database connections
def test_a_request_garbage_cycles_are_collected_when_its_response_closes(tuned):
    class Node:
        pass

    def garbage_cycles() -> None:
        for _ in range(1_000):
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle: reference counting alone never frees it

    # In the request: no collection (the threshold is far above what it allocates)...
    assert _generations_collected(garbage_cycles) == []
    # ...then one young collection once the response is closed, which frees them.
    collected = _generations_collected(lambda: request_finished.send(sender=None))
    assert collected == [1]
    assert not [o for o in gc.get_objects() if type(o) is Node]


def test_a_page_answers_with_one_young_collection_and_no_full_one(tuned, admin_client):
    generations = _generations_collected(lambda: admin_client.get("/"))
    assert 2 not in generations
    assert generations.count(1) == 1


def test_the_threshold_comes_from_the_environment(monkeypatch):
    before = gc.get_threshold()
    monkeypatch.setenv("WEB_GC_YOUNG_THRESHOLD", "5000")
    tune_web_process()
    try:
        assert gc.get_threshold()[0] == 5000
    finally:
        untune_web_process()
        gc.set_threshold(*before)


@pytest.mark.django_db
def test_untuning_restores_cpythons_collector():
    before = gc.get_threshold()
    tune_web_process()
    untune_web_process()
    try:
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == 0
        assert _generations_collected(lambda: request_finished.send(sender=None)) == []
    finally:
        gc.set_threshold(*before)
