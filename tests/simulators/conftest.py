"""Fixtures shared by the simulators tests.

The root conftest registers ``tests.harness.simulators``; registering it here too
when missing keeps ``pytest tests/simulators`` working on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    # Imported for typing only: importing it for real before pytest registers it
    # as a plugin would prevent assertion rewriting in it.
    from tests.harness.simulators import SimulatorsProcess

HARNESS_PLUGIN = "tests.harness.simulators"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(HARNESS_PLUGIN):
        config.pluginmanager.import_plugin(HARNESS_PLUGIN)


@pytest.fixture
def bank(simulators: SimulatorsProcess) -> Iterator[httpx.Client]:
    """A plain HTTP client on the simulators, as the project's bank client would be."""
    with httpx.Client(base_url=simulators.url, timeout=5.0) as client:
        yield client
