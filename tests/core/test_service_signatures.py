"""Every service names who acts `actor` (README "How to add an app"): not `requested_by=`,
`created_by=`... in one app and `actor=` in the next."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

APPS = ("core", "leads", "loans", "kam", "workflows", "evaluations")
OTHER_NAMES = {"requested_by", "created_by", "by", "requester", "initiated_by"}
#: Renames still to do, and why they wait (remove the entry with the rename).
WAITING = {
    "leads.services.qualification.qualification_start": (
        "its page callers are in leads/views.py, which was being changed elsewhere"
    ),
}


def _service_functions():
    for app in APPS:
        package = importlib.import_module(f"{app}.services")
        modules = [package]
        if hasattr(package, "__path__"):
            modules += [
                importlib.import_module(info.name)
                for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}.services.")
            ]
        for module in modules:
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if function.__module__ == module.__name__ and not name.startswith("_"):
                    yield f"{module.__name__}.{name}", inspect.signature(function)


def test_who_acts_is_always_the_actor():
    other_names = {
        name for name, signature in _service_functions() if OTHER_NAMES & set(signature.parameters)
    }

    assert other_names == set(WAITING), "services naming the actor otherwise"


def test_a_ping_records_the_user_who_asked(user_factory):
    from django.contrib.auth.models import AnonymousUser

    from core.services import worker_ping_create

    ops = user_factory(username="ops")

    assert worker_ping_create(actor=ops).requested_by == ops
    assert worker_ping_create(actor="cli").requested_by is None
    assert worker_ping_create(actor=AnonymousUser()).requested_by is None
    assert worker_ping_create().requested_by is None
