"""Loan application use cases (writes), one module per part of an application's life.

Life of an application: `new` (created; the submission task is enqueued on commit) ->
`pending` (the bank has it) -> `completed` | `rejected` (the bank decided), or `failed`
with a reason (the bank refused the data, or says it does not know the application).

The database is the queue: `next_attempt_at` says when the bank is to be called next, and a
claim (`claim_token`, `claimed_until`) taken with a conditional UPDATE says who is calling it.
Claims expire, so the work of a killed worker resumes; nothing lives only in the broker.
Every bank call happens outside any transaction; results are applied by a short UPDATE that
only succeeds for the holder of the claim.

- `applications`: create (input cleaning, idempotency), and the staff actions (re-submit,
  poll now);
- `submission`: send a `new` application to the bank;
- `polling`: ask the bank about claimed `pending` applications and record the answers;
- `dispatch`: claim due applications, apply a result under the claim, hand out due work;
- `scheduling`: when to call the bank next (pure functions of time).
"""

from loans.services.applications import (
    loan_application_create,
    loan_application_poll_now,
    loan_application_resubmit,
)
from loans.services.dispatch import (
    POLLER,
    SUBMITTER,
    DispatchSummary,
    loan_applications_claim_due,
    loan_applications_dispatch_due,
)
from loans.services.polling import (
    PollSummary,
    loan_applications_poll,
    loan_applications_poll_due_now,
)
from loans.services.submission import loan_application_submit

__all__ = [
    "POLLER",
    "SUBMITTER",
    "DispatchSummary",
    "PollSummary",
    "loan_application_create",
    "loan_application_poll_now",
    "loan_application_resubmit",
    "loan_application_submit",
    "loan_applications_claim_due",
    "loan_applications_dispatch_due",
    "loan_applications_poll",
    "loan_applications_poll_due_now",
]
