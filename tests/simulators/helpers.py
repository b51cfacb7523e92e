"""Small helpers shared by the simulators tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def new_application(**overrides: Any) -> dict[str, Any]:
    """A valid bank payload with a fresh id; ``overrides`` replace fields."""
    return {"id": str(uuid.uuid4()), "first_name": "Ada", "last_name": "Lovelace", **overrides}


def assert_json(response: httpx.Response, status: int, body: object) -> None:
    """The response is JSON with exactly this status and body."""
    assert response.headers["content-type"].startswith("application/json")
    assert (response.status_code, response.json()) == (status, body)
