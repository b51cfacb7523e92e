"""The load test's users (locust): a working day's mix of API reads and writes of the five
apps, one user class per role, run headless by bench/bench_load.py against `make run-prod`.

Reads dominate (lists, details, the KAM's calls due) as they do for people at work; every
write goes through the same services as the pages and enqueues real background work
(qualification runs, bank submissions and polls, workflow parsing, register checks).
Tokens and the workbook to upload come from BENCH_LOAD_FIXTURE (a JSON file written by
bench_load).
"""

from __future__ import annotations

import json
import os
import random
import uuid

from locust import FastHttpUser, HttpUser, between, task

FIXTURE = json.loads(open(os.environ["BENCH_LOAD_FIXTURE"]).read())  # noqa: SIM115
#: Think time between two actions of one user, in seconds ("min-max").
THINK = tuple(float(x) for x in os.environ.get("BENCH_LOAD_THINK", "0.2-1.0").split("-"))
#: "0" leaves out new evaluations (each waits for the register's limit inside the request).
EVALUATE = os.environ.get("BENCH_LOAD_EVALUATE", "1") != "0"


def _siren() -> str:
    """A random SIREN with a valid Luhn key."""
    digits = [random.randint(0, 9) for _ in range(8)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 0 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _nir() -> str:
    """A random French national id (NIR) of someone born in May 1984, with a valid key: each
    new lead is a new person (the same id twice is refused, rightly)."""
    body = (
        f"{random.choice('12')}8405{random.randint(1, 19):02d}"
        f"{random.randint(1, 990):03d}{random.randint(1, 999):03d}"
    )
    return body + f"{97 - int(body) % 97:02d}"


def _auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Token {FIXTURE['tokens'][role]}"}


class _RoleUser(FastHttpUser):
    """geventhttpclient (locust's FastHttpUser): a fraction of the CPU of `requests`, so the
    load generator, on the same two cores, takes less from the system under test."""

    abstract = True
    wait_time = between(*THINK)

    def _ids(self, url: str, name: str) -> list:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return []
            return [row["id"] for row in response.json().get("results", [])]


class SalesAgent(_RoleUser):
    weight = 3
    default_headers = _auth("sales")

    @task(6)
    def pipeline(self) -> None:
        ids = self._ids("/api/leads/?ordering=-created_at", "leads: list")
        if ids:
            self.client.get(f"/api/leads/{random.choice(ids)}/", name="leads: detail")

    @task(1)
    def new_lead_qualified(self) -> None:
        response = self.client.post("/api/leads/", name="leads: create", json={
            "first_name": "Load", "last_name": f"Test {uuid.uuid4().hex[:6]}",
            "birth_date": "1984-05-12", "national_id": _nir(),
            "email": "load@example.test", "phone": "+33 6 12 34 56 78",
        })  # fmt: skip
        if response.status_code == 201:
            lead = response.json()["id"]
            self.client.post(f"/api/leads/{lead}/qualify/", name="leads: qualify")


class LoanOfficer(_RoleUser):
    weight = 3
    default_headers = _auth("loans")

    @task(6)
    def applications(self) -> None:
        ids = self._ids("/api/loans/applications/", "loans: list")
        if ids:
            self.client.get(f"/api/loans/applications/{random.choice(ids)}/",
                            name="loans: detail")  # fmt: skip

    @task(2)
    def apply(self) -> None:
        self.client.post(
            "/api/loans/applications/", name="loans: create",
            headers={"Idempotency-Key": uuid.uuid4().hex},
            json={"first_name": "Load", "last_name": "Test", "email": "load@example.com",
                  "amount": f"{random.randint(1, 500) * 100}.00", "currency": "EUR"},
        )  # fmt: skip


class KeyAccountManager(_RoleUser):
    weight = 4
    default_headers = _auth("kam")

    @task(5)
    def calls_due(self) -> None:
        self.client.get("/api/kam/calls/due/", name="kam: calls due")

    @task(4)
    def accounts(self) -> None:
        ids = self._ids("/api/kam/accounts/?ordering=name", "kam: accounts")
        if ids:
            self.client.get(f"/api/kam/accounts/{random.choice(ids)}/", name="kam: account")

    @task(2)
    def log_call_and_order(self) -> None:
        account = random.choice(FIXTURE["accounts"])
        self.client.post("/api/kam/interactions/", name="kam: log call", json={
            "restaurant": account, "kind": "call", "outcome": "connected",
        })  # fmt: skip
        self.client.post("/api/kam/orders/", name="kam: log order", json={
            "restaurant": account, "amount": f"{random.randint(50, 900)}.00",
        })  # fmt: skip

    @task(1)
    def performance(self) -> None:
        self.client.get("/api/kam/performance/underperforming/", name="kam: underperforming")


class Analyst(_RoleUser):
    weight = 2
    default_headers = _auth("analyst")

    @task(4)
    def evaluations(self) -> None:
        ids = self._ids("/api/evaluations/?ordering=-created_at", "evaluations: list")
        if ids:
            self.client.get(f"/api/evaluations/{random.choice(ids)}/",
                            name="evaluations: detail")  # fmt: skip

    @task(1)
    def evaluate(self) -> None:
        if not EVALUATE:
            self.evaluations()
            return
        with self.client.post("/api/evaluations/", name="evaluations: create",
                              json={"kind": "SIREN", "value": _siren()},
                              catch_response=True) as response:  # fmt: skip
            if response.status_code == 409:
                response.success()  # a random number drawn twice: a clear refusal, not a fault

    @task(3)
    def workflow_runs(self) -> None:
        self.client.get("/api/workflows/runs/", name="workflows: runs")


class WorkflowUploader(HttpUser):
    """An analyst starting workflows from a customer's workbook (multipart: `requests`): one
    every 5-15 s, the other users' actions every THINK."""

    weight = 1
    wait_time = between(5.0, 15.0)

    def on_start(self) -> None:
        self.client.headers.update(_auth("analyst"))

    @task
    def upload(self) -> None:
        with open(FIXTURE["workbook"], "rb") as workbook:
            self.client.post(
                "/api/workflows/runs/", name="workflows: start from upload",
                data={"definition": "customer_income_expenditure", "first_name": "Ada",
                      "last_name": "Lovelace", "date_of_birth": "1985-12-10"},
                files={"statement": ("statement.xlsx", workbook.read())},
            )  # fmt: skip
