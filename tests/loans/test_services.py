"""Loan services: creation, idempotency, submission, claims, polling, staff actions."""

import json
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import respx
from django.db.models import F
from django.utils import timezone

from core.audit import audit_timeline
from core.errors import ApplicationError, ConflictError, NotFoundError
from loans import services
from loans.models import FailureCode, IdempotencyKey, LoanAction, LoanApplication, Status
from tests.loans.conftest import BANK

pytestmark = pytest.mark.django_db


def job(application, status="pending"):
    return {"id": str(uuid.uuid4()), "application_id": str(application.id), "status": status}


# --- input and creation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "  ", "required"),
        ("last_name", "", "required"),
        ("last_name", None, "required"),
        ("first_name", "x" * 101, "At most 100 characters"),
        ("email", "not-an-email", "valid email"),
        ("amount", "-5", "between"),
        ("amount", "0", "between"),
        ("amount", "99.99", "between"),
        ("amount", "1000000000", "between 100 and 1,000,000"),
        ("amount", "12.345", "decimal places"),
        ("amount", "lots", "number"),
        ("amount", "NaN", "number"),
        ("currency", "XXX", "Choose one of"),
    ],
)
def test_bad_input_names_the_field(valid_input, officer, field, value, message):
    with pytest.raises(ApplicationError) as caught:
        services.loan_application_create(**{**valid_input, field: value}, actor=officer)

    assert caught.value.code == "validation_error"
    assert list(caught.value.fields) == [field]
    assert message in caught.value.fields[field][0]
    assert not LoanApplication.objects.exists()


def test_every_bad_field_is_reported_at_once(officer):
    with pytest.raises(ApplicationError) as caught:
        services.loan_application_create(
            first_name="",
            last_name="Lovelace",
            email="nope",
            amount="12.345",
            currency="BTC",
            actor=officer,
            idempotency_key="",
        )

    assert set(caught.value.fields) == {
        "first_name",
        "email",
        "amount",
        "currency",
        "Idempotency-Key",
    }
    assert caught.value.message == (
        "Some fields are not valid: first_name, email, amount, currency, Idempotency-Key."
    )


def test_input_is_normalised(valid_input, officer):
    application, _ = services.loan_application_create(
        **{
            **valid_input,
            "first_name": " Ada ",
            "email": "ADA@Example.com",
            "currency": "eur",
            "amount": "15000",
        },
        actor=officer,
    )

    application.refresh_from_db()
    assert (application.first_name, application.email, application.currency) == (
        "Ada",
        "ada@example.com",
        "EUR",
    )
    assert application.amount == Decimal("15000.00")


def test_create_records_history_and_sends_after_commit(
    valid_input, officer, django_capture_on_commit_callbacks, monkeypatch
):
    from loans import tasks

    sent = []
    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        application, replayed = services.loan_application_create(**valid_input, actor=officer)

    assert replayed is False
    assert application.status == Status.NEW
    assert application.created_by == officer
    assert application.next_attempt_at <= timezone.now()  # due at once
    assert sent == [{}]  # a prompt dispatch of due submissions, not a task per application
    [event] = audit_timeline(application)
    assert event.action == LoanAction.CREATED
    assert event.actor == officer
    assert event.changes == {"status": {"from": None, "to": "new"}}


def test_a_component_creates_as_the_system(valid_input):
    application, _ = services.loan_application_create(**valid_input, actor="loans.demo")

    assert application.created_by is None
    assert audit_timeline(application)[0].actor_label == "system: loans.demo"
    with pytest.raises(ApplicationError, match="authenticated user"):
        services.loan_application_create(**valid_input, actor="loans.demo", idempotency_key="key-1")


def test_same_idempotency_key_and_body_replays_the_first_application(valid_input, officer):
    first, _ = services.loan_application_create(
        **valid_input, actor=officer, idempotency_key="key-1"
    )
    again, replayed = services.loan_application_create(
        **valid_input, actor=officer, idempotency_key="key-1"
    )

    assert replayed is True
    assert again.id == first.id
    assert LoanApplication.objects.count() == 1


def test_same_key_with_another_body_is_refused(valid_input, officer):
    services.loan_application_create(**valid_input, actor=officer, idempotency_key="k")

    with pytest.raises(ApplicationError) as caught:
        services.loan_application_create(
            **{**valid_input, "amount": "20000"}, actor=officer, idempotency_key="k"
        )

    assert caught.value.code == "idempotency_key_reused"
    assert "Idempotency-Key" in caught.value.fields
    assert LoanApplication.objects.count() == 1


def test_keys_are_per_user(valid_input, officer, user_factory):
    other_user = user_factory()
    a, _ = services.loan_application_create(**valid_input, actor=officer, idempotency_key="k")
    b, replayed = services.loan_application_create(
        **valid_input, actor=other_user, idempotency_key="k"
    )

    assert replayed is False
    assert a.id != b.id
    assert IdempotencyKey.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_malformed_keys_are_refused(valid_input, officer, key):
    with pytest.raises(ApplicationError) as caught:
        services.loan_application_create(**valid_input, actor=officer, idempotency_key=key)
    assert "Idempotency-Key" in caught.value.fields


# --- submission -----------------------------------------------------------------------------


@respx.mock
def test_submission_accepted_makes_it_pending(application_factory):
    application = application_factory()
    respx.post(f"{BANK}/api/applications").respond(
        201,
        json={
            "id": str(application.id),
            "first_name": application.first_name,
            "last_name": application.last_name,
            "status": "pending",
        },
    )

    assert services.loan_application_submit(application_id=application.id) == "submitted"

    application.refresh_from_db()
    assert application.status == Status.PENDING
    assert application.submitted_at is not None
    assert application.next_attempt_at > application.submitted_at
    assert application.claim_token is None
    assert application.submit_attempts == 1
    assert [e.changes["status"] for e in audit_timeline(application)] == [
        {"from": "new", "to": "pending"}
    ]


@respx.mock
def test_already_used_means_it_arrived(application_factory):
    application = application_factory()
    respx.post(f"{BANK}/api/applications").respond(
        400, json={"error": "the application ID is already used"}
    )

    services.loan_application_submit(application_id=application.id)

    application.refresh_from_db()
    assert application.status == Status.PENDING


@respx.mock
def test_payload_refused_is_a_visible_failure(application_factory):
    application = application_factory()
    respx.post(f"{BANK}/api/applications").respond(
        400, json={"error": "the request payload is not valid."}
    )

    assert services.loan_application_submit(application_id=application.id) == "failed"

    application.refresh_from_db()
    assert application.status == Status.FAILED
    assert application.failure_code == FailureCode.PAYLOAD_REJECTED
    assert application.failure_reason == (
        "Sending the application failed: the bank refused the application's data as not "
        "valid (HTTP 400)."
    )
    assert application.next_attempt_at is None
    assert audit_timeline(application)[0].reason == (
        "the bank refused the application's data as not valid (HTTP 400)"
    )


@respx.mock
@pytest.mark.parametrize(
    ("failure", "sentence"),
    [
        (httpx.Response(503), "the bank did not answer (HTTP 503)"),
        (httpx.Response(502), "the bank did not answer (HTTP 502)"),
        (httpx.ReadTimeout("slow"), "the bank did not answer within 5 seconds"),
    ],
)
def test_transient_errors_are_retried_later_with_backoff(
    application_factory, failure, sentence, settings, caplog
):
    settings.LOANS_BANK_TIMEOUT = 5.0
    application = application_factory()
    route = respx.post(f"{BANK}/api/applications")
    if isinstance(failure, Exception):
        route.mock(side_effect=failure)
    else:
        route.mock(return_value=failure)
    before = timezone.now()

    with caplog.at_level("WARNING", logger="core.http"):
        assert services.loan_application_submit(application_id=application.id) == "retry"

    application.refresh_from_db()
    assert application.status == Status.NEW
    assert application.next_attempt_at >= before + timedelta(seconds=1)
    assert application.last_error == f"submission attempt 1: {sentence}"
    assert application.claim_token is None
    # The detail (the bank's URL) is in the log line carrying the application's reference.
    [record] = caplog.records
    assert record.request_id == application.error_reference != ""
    assert f"{BANK}/api/applications" in record.getMessage()
    assert "http" not in application.last_error


@respx.mock
def test_a_claimed_application_is_not_submitted_twice(application_factory):
    application = application_factory(
        claim_token=uuid.uuid4(), claimed_until=timezone.now() + timedelta(seconds=30)
    )
    route = respx.post(f"{BANK}/api/applications")

    assert services.loan_application_submit(application_id=application.id) == "skipped"
    assert not route.called


@respx.mock
def test_an_expired_claim_does_not_block(application_factory):
    application = application_factory(
        claim_token=uuid.uuid4(), claimed_until=timezone.now() - timedelta(seconds=1)
    )
    respx.post(f"{BANK}/api/applications").respond(
        400, json={"error": "the application ID is already used"}
    )

    assert services.loan_application_submit(application_id=application.id) == "submitted"


# --- claims and polling ---------------------------------------------------------------------


def test_claim_takes_only_due_unclaimed_rows_in_due_order(application_factory, settings):
    now = timezone.now()
    late = application_factory(status=Status.PENDING, next_attempt_at=now - timedelta(seconds=9))
    due = application_factory(status=Status.PENDING, next_attempt_at=now - timedelta(seconds=1))
    application_factory(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=5))
    application_factory(
        status=Status.PENDING,
        next_attempt_at=now - timedelta(seconds=5),
        claim_token=uuid.uuid4(),
        claimed_until=now + timedelta(seconds=30),
    )
    application_factory(status=Status.NEW, next_attempt_at=now - timedelta(seconds=5))

    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=10, now=now)
    again = services.loan_applications_claim_due(status=Status.PENDING, limit=10, now=now)

    assert claim.ids == [late.id, due.id]
    assert again.ids == []
    assert claim.until == now + timedelta(seconds=settings.LOANS_CLAIM_LEASE)
    assert set(
        LoanApplication.objects.filter(claim_token=claim.token).values_list("id", flat=True)
    ) == {
        late.id,
        due.id,
    }


def claim(application_factory, **fields):
    application = application_factory(
        status=Status.PENDING,
        submitted_at=timezone.now() - timedelta(seconds=6),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
        **fields,
    )
    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=10)
    assert claim.ids == [application.id]
    return application, claim.token


@respx.mock
@pytest.mark.parametrize("decision", ["completed", "rejected"])
def test_a_decision_is_recorded_with_history(application_factory, decision):
    application, token = claim(application_factory)
    respx.get(f"{BANK}/api/jobs").respond(200, json=job(application, decision))

    summary = services.loan_applications_poll(application_ids=[application.id], claim_token=token)

    application.refresh_from_db()
    assert str(summary) == f"polled 1: {decision} 1"
    assert application.status == decision
    assert application.decided_at is not None
    assert application.bank_job_id is not None
    assert application.next_attempt_at is None
    assert application.poll_count == 1
    [event] = audit_timeline(application)
    assert event.action == LoanAction.STATUS_CHANGED
    assert event.changes == {"status": {"from": "pending", "to": decision}}
    assert event.actor_label == "system: loans.poller"


@respx.mock
def test_still_pending_is_polled_again_later(application_factory):
    application, token = claim(application_factory)
    respx.get(f"{BANK}/api/jobs").respond(200, json=job(application))

    services.loan_applications_poll(application_ids=[application.id], claim_token=token)

    application.refresh_from_db()
    assert application.status == Status.PENDING
    assert application.next_attempt_at > timezone.now()
    assert application.claim_token is None
    assert not audit_timeline(application).exists()  # polls are counted, not audited


@respx.mock
def test_unknown_at_the_bank_is_shown_and_can_be_resubmitted(application_factory, officer):
    application, token = claim(application_factory)
    respx.get(f"{BANK}/api/jobs").respond(
        404, json={"error": "failed to get job, the application_id doesn't exist."}
    )

    services.loan_applications_poll(application_ids=[application.id], claim_token=token)

    application.refresh_from_db()
    assert application.status == Status.FAILED
    assert application.failure_code == FailureCode.UNKNOWN_AT_BANK
    assert "Re-submit" in application.failure_reason

    services.loan_application_resubmit(application_id=application.id, actor=officer)
    application.refresh_from_db()
    assert application.status == Status.NEW
    assert application.failure_reason == ""
    assert audit_timeline(application)[0].action == LoanAction.RESUBMITTED


@respx.mock
def test_a_failed_poll_is_retried_after_the_base_interval(application_factory, settings):
    application, token = claim(application_factory)
    respx.get(f"{BANK}/api/jobs").respond(503)

    summary = services.loan_applications_poll(application_ids=[application.id], claim_token=token)

    application.refresh_from_db()
    assert summary.outcomes == {"error": 1}
    assert application.status == Status.PENDING
    assert application.last_error == "status check: the bank did not answer (HTTP 503)"
    assert application.error_reference
    assert application.next_attempt_at > timezone.now()


@respx.mock
def test_a_result_is_not_applied_by_someone_whose_claim_was_taken_over(application_factory):
    application, token = claim(application_factory)
    LoanApplication.objects.filter(id=application.id).update(claim_token=uuid.uuid4())
    respx.get(f"{BANK}/api/jobs").respond(200, json=job(application, "completed"))

    summary = services.loan_applications_poll(application_ids=[application.id], claim_token=token)

    application.refresh_from_db()
    assert summary.polled == 0
    assert application.status == Status.PENDING


@respx.mock
def test_polls_run_concurrently_with_bounded_concurrency(application_factory, settings):
    import asyncio

    settings.LOANS_POLL_CONCURRENCY = 3
    settings.LOANS_POLL_BATCH_SIZE = 12
    now = timezone.now()
    apps = [
        application_factory(
            status=Status.PENDING, submitted_at=now, next_attempt_at=now - timedelta(seconds=1)
        )
        for _ in range(12)
    ]
    in_flight, peak = 0, 0

    async def slow(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        app_id = request.url.params["application_id"]
        return httpx.Response(
            200, json={"id": str(uuid.uuid4()), "application_id": app_id, "status": "completed"}
        )

    respx.get(f"{BANK}/api/jobs").mock(side_effect=slow)
    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=12)

    services.loan_applications_poll(application_ids=claim.ids, claim_token=claim.token)

    assert peak == 3
    assert LoanApplication.objects.filter(status=Status.COMPLETED).count() == len(apps)


def test_dispatch_hands_out_due_submissions_and_poll_batches(
    application_factory, settings, monkeypatch
):
    from loans import tasks

    settings.LOANS_POLL_BATCH_SIZE = 2
    settings.LOANS_SUBMIT_BATCH_SIZE = 2
    now = timezone.now()
    for _ in range(5):
        application_factory(status=Status.PENDING, next_attempt_at=now - timedelta(seconds=1))
    due_new = [
        application_factory(status=Status.NEW, next_attempt_at=now - timedelta(seconds=1))
        for _ in range(3)
    ]
    application_factory(status=Status.NEW, next_attempt_at=now + timedelta(seconds=30))
    submissions, batches = [], []
    monkeypatch.setattr(tasks.submit_batch, "apply_async", lambda **kw: submissions.append(kw))
    monkeypatch.setattr(tasks.poll_batch, "apply_async", lambda **kw: batches.append(kw))

    summary = services.loan_applications_dispatch_due(now=now)

    assert (summary.submission_batches, summary.submissions) == (2, 3)
    assert (summary.poll_batches, summary.polls) == (3, 5)
    assert sorted(len(b["args"][0]) for b in submissions) == [1, 2]
    assert sorted(i for b in submissions for i in b["args"][0]) == sorted(
        str(a.id) for a in due_new
    )
    assert sorted(len(b["args"][0]) for b in batches) == [1, 2, 2]
    # Each submission batch is handed over under its claim, its attempt counted.
    for batch in submissions:
        ids, token = batch["args"]
        held = LoanApplication.objects.filter(id__in=ids)
        assert {str(a.claim_token) for a in held} == {token}
        assert {a.submit_attempts for a in held} == {1}


def test_a_dispatch_that_cannot_reach_the_broker_frees_its_claims(application_factory, monkeypatch):
    from loans import tasks

    application = application_factory(
        status=Status.NEW, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    def broker_down(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.submit_batch, "apply_async", broker_down)

    with pytest.raises(ConnectionError):
        services.loan_applications_dispatch_submissions()

    application.refresh_from_db()
    assert (application.claim_token, application.claimed_until) == (None, None)
    assert application.submit_attempts == 0


@respx.mock
def test_creations_ask_for_one_prompt_dispatch_while_one_is_waiting(
    valid_input, officer, django_capture_on_commit_callbacks, monkeypatch
):
    from loans import tasks

    sent = []
    monkeypatch.setattr(tasks.dispatch_submissions, "apply_async", lambda **kw: sent.append(kw))
    respx.post(f"{BANK}/api/applications").mock(
        side_effect=lambda request: httpx.Response(
            201, json={**json.loads(request.content), "status": "pending"}
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.loan_application_create(**valid_input, actor=officer)
    assert len(sent) == 1  # the others are claimed by the dispatch already waiting

    summary = services.loan_applications_dispatch_submissions(requested=True)
    assert summary.submissions == 3
    assert LoanApplication.objects.filter(status=Status.PENDING).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.loan_application_create(**valid_input, actor=officer)
    assert len(sent) == 2  # created after the dispatch started: it asks again


@respx.mock
def test_the_requested_dispatch_sends_its_first_batch_itself_and_hands_out_the_rest(
    application_factory, settings, monkeypatch
):
    from loans import tasks

    settings.LOANS_SUBMIT_BATCH_SIZE = 2
    now = timezone.now()
    for _ in range(5):
        application_factory(status=Status.NEW, next_attempt_at=now - timedelta(seconds=1))
    handed_out = []
    monkeypatch.setattr(tasks.submit_batch, "apply_async", lambda **kw: handed_out.append(kw))
    route = respx.post(f"{BANK}/api/applications").mock(
        side_effect=lambda request: httpx.Response(
            201, json={**json.loads(request.content), "status": "pending"}
        )
    )

    summary = services.loan_applications_dispatch_submissions(requested=True)

    assert (summary.submission_batches, summary.submissions) == (3, 5)
    assert sorted(len(b["args"][0]) for b in handed_out) == [1, 2]
    assert route.call_count == 2  # the first batch, sent by the dispatch itself
    assert LoanApplication.objects.filter(status=Status.PENDING).count() == 2


@respx.mock
def test_a_batch_is_sent_concurrently_and_recorded_in_one_go(
    application_factory, settings, django_assert_max_num_queries
):
    import asyncio

    settings.LOANS_SUBMIT_CONCURRENCY = 4
    now = timezone.now()
    apps = [
        application_factory(status=Status.NEW, next_attempt_at=now - timedelta(seconds=1))
        for _ in range(10)
    ]
    already_there = apps[0]
    in_flight, peak = 0, 0

    async def bank(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        body = json.loads(request.content)
        if body["id"] == str(already_there.id):
            return httpx.Response(400, json={"error": "the application ID is already used"})
        return httpx.Response(201, json={**body, "status": "pending"})

    respx.post(f"{BANK}/api/applications").mock(side_effect=bank)
    claim = services.loan_applications_claim_due(status=Status.NEW, limit=10)

    # Read the batch, then one transaction: lock, update, two audit inserts (+ savepoints).
    with django_assert_max_num_queries(8):
        summary = services.loan_applications_submit(
            application_ids=claim.ids, claim_token=claim.token
        )

    assert peak == 4
    assert str(summary) == "submitted batch of 10: submitted 10"
    assert LoanApplication.objects.filter(status=Status.PENDING, claim_token=None).count() == 10
    reasons = sorted(audit_timeline(a)[0].reason for a in apps)
    assert reasons == ["sent to the bank"] * 9 + ["the bank already had it"]


@respx.mock
def test_a_batch_records_each_outcome_and_leaves_rows_it_no_longer_holds(
    application_factory, monkeypatch
):
    from loans.services import submission

    now = timezone.now()
    ok, refused, flaky, taken_over = (
        application_factory(status=Status.NEW, next_attempt_at=now - timedelta(seconds=1))
        for _ in range(4)
    )

    def bank(request):
        body = json.loads(request.content)
        if body["id"] == str(refused.id):
            return httpx.Response(400, json={"error": "the request payload is not valid."})
        if body["id"] == str(flaky.id):
            return httpx.Response(503)
        return httpx.Response(201, json={**body, "status": "pending"})

    record = submission._record

    def lease_lost_while_calling(*args, **kwargs):
        # The lease of this one expired and another worker claimed it while we waited.
        LoanApplication.objects.filter(id=taken_over.id).update(claim_token=uuid.uuid4())
        return record(*args, **kwargs)

    respx.post(f"{BANK}/api/applications").mock(side_effect=bank)
    monkeypatch.setattr(submission, "_record", lease_lost_while_calling)
    claim = services.loan_applications_claim_due(
        status=Status.NEW, limit=10, submit_attempts=F("submit_attempts") + 1
    )

    summary = services.loan_applications_submit(application_ids=claim.ids, claim_token=claim.token)

    assert summary.outcomes[ok.id] == "submitted"
    assert summary.outcomes[refused.id] == "failed"
    assert summary.outcomes[flaky.id] == "retry"
    assert summary.outcomes[taken_over.id] == "lost"
    for application in (ok, refused, flaky, taken_over):
        application.refresh_from_db()
    assert ok.status == Status.PENDING
    assert (refused.status, refused.failure_code) == (Status.FAILED, FailureCode.PAYLOAD_REJECTED)
    assert (flaky.status, flaky.claim_token) == (Status.NEW, None)
    assert flaky.next_attempt_at > now
    assert flaky.last_error == "submission attempt 1: the bank did not answer (HTTP 503)"
    assert taken_over.status == Status.NEW  # the new holder's to apply
    assert taken_over.claim_token is not None
    assert not audit_timeline(taken_over).exists()


def test_poll_now_makes_a_pending_application_due(application_factory, officer):
    application = application_factory(
        status=Status.PENDING, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    assert services.loan_application_poll_now(application_id=application.id, actor=officer) is True

    application.refresh_from_db()
    assert application.next_attempt_at <= timezone.now()
    assert audit_timeline(application)[0].action == LoanAction.POLL_REQUESTED


def test_poll_now_leaves_an_application_that_is_not_pending(application_factory, officer):
    application = application_factory(status=Status.COMPLETED)

    assert services.loan_application_poll_now(application_id=application.id, actor=officer) is False
    assert not audit_timeline(application).exists()


@pytest.mark.parametrize("action", ["loan_application_poll_now", "loan_application_resubmit"])
@pytest.mark.parametrize("application_id", [uuid.uuid4(), "not-a-uuid"])
def test_staff_actions_on_an_unknown_application_are_not_found(officer, action, application_id):
    with pytest.raises(NotFoundError):
        getattr(services, action)(application_id=application_id, actor=officer)


@pytest.mark.parametrize("status", [Status.NEW, Status.PENDING, Status.COMPLETED])
def test_only_failed_applications_can_be_resubmitted(application_factory, officer, status):
    application = application_factory(status=status)

    with pytest.raises(ConflictError):
        services.loan_application_resubmit(application_id=application.id, actor=officer)


def test_dispatch_hands_out_polls_due_before_the_next_tick(
    application_factory, settings, monkeypatch
):
    from loans import tasks

    settings.LOANS_DISPATCH_EVERY = 1.0
    now = timezone.now()
    soon = application_factory(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=0.6))
    application_factory(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=1.5))
    batches = []
    monkeypatch.setattr(tasks.poll_batch, "apply_async", lambda **kw: batches.append(kw))

    services.loan_applications_dispatch_due(now=now)

    assert batches == [{"args": [[str(soon.id)], batches[0]["args"][1]]}]  # no broker ETA


@respx.mock
def test_the_next_answer_clears_the_error_and_its_reference(application_factory):
    application, token = claim(application_factory)
    route = respx.get(f"{BANK}/api/jobs")
    route.respond(503)
    services.loan_applications_poll(application_ids=[application.id], claim_token=token)
    application.refresh_from_db()
    assert application.error_reference

    LoanApplication.objects.filter(id=application.id).update(next_attempt_at=timezone.now())
    again = services.loan_applications_claim_due(status=Status.PENDING, limit=1)
    route.respond(200, json=job(application))
    services.loan_applications_poll(application_ids=again.ids, claim_token=again.token)

    application.refresh_from_db()
    assert (application.last_error, application.error_reference) == ("", "")


@respx.mock
def test_a_poll_batch_is_recorded_in_one_transaction_whatever_the_answers(
    application_factory, django_assert_max_num_queries
):
    now = timezone.now()
    apps = [
        application_factory(
            status=Status.PENDING,
            submitted_at=now - timedelta(seconds=6),
            next_attempt_at=now - timedelta(seconds=1),
        )
        for _ in range(20)
    ]
    answers = {str(a.id): ("completed", "rejected", "pending")[i % 3] for i, a in enumerate(apps)}
    respx.get(f"{BANK}/api/jobs").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json={
                "id": str(uuid.uuid4()),
                "application_id": request.url.params["application_id"],
                "status": answers[request.url.params["application_id"]],
            },
        )
    )
    claim = services.loan_applications_claim_due(status=Status.PENDING, limit=20)

    # Read the batch; then lock, the new job ids, one UPDATE per next poll time and per
    # decision, one audit INSERT per decision, the release (+ savepoints): not one per row.
    with django_assert_max_num_queries(12):
        summary = services.loan_applications_poll(
            application_ids=claim.ids, claim_token=claim.token
        )

    assert summary.outcomes == {"completed": 7, "rejected": 7, "pending": 6}
    for application in apps:
        application.refresh_from_db()
        assert application.status == answers[str(application.id)]
        assert (application.poll_count, application.claim_token) == (1, None)
        events = list(audit_timeline(application))
        if application.status == Status.PENDING:
            assert events == []
        else:
            [event] = events
            assert event.reason == f"the bank decided: {application.status}"
