"""Loan application use cases (writes), one module per part of an application's life.

Life of an application: `new` (created, due at once; a prompt dispatch is asked for on
commit) ->
`pending` (the bank has it) -> `completed` | `rejected` (the bank decided), or `failed`
with a reason (the bank refused the data, or says it does not know the application).

The database is the queue: `next_attempt_at` says when the bank is to be called next, and a
claim (`claim_token`, `claimed_until`) taken with a conditional UPDATE says who is calling it.
Claims expire, so the work of a killed worker resumes; nothing lives only in the broker.
Every bank call happens outside any transaction; results are applied by a short UPDATE that
only succeeds for the holder of the claim.

- `applications`: create (input cleaning, idempotency), and the staff actions (re-submit,
  poll now);
- `submission`: send claimed `new` applications to the bank, a batch at a time;
- `polling`: ask the bank about claimed `pending` applications and record the answers;
- `dispatch`: claim due applications, apply a result under the claim, hand out due work
  (submissions and polls in batches), and ask for a prompt dispatch after a creation;
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
    loan_applications_dispatch_submissions,
    loan_applications_submit_soon,
)
from loans.services.polling import (
    PollSummary,
    loan_applications_poll,
    loan_applications_poll_due_now,
)
from loans.services.submission import (
    SubmitSummary,
    loan_application_submit,
    loan_applications_submit,
)

__all__ = [
    "POLLER",
    "SUBMITTER",
    "DispatchSummary",
    "PollSummary",
    "SubmitSummary",
    "loan_application_create",
    "loan_application_poll_now",
    "loan_application_resubmit",
    "loan_application_submit",
    "loan_applications_claim_due",
    "loan_applications_dispatch_due",
    "loan_applications_dispatch_submissions",
    "loan_applications_poll",
    "loan_applications_poll_due_now",
    "loan_applications_submit",
    "loan_applications_submit_soon",
]
