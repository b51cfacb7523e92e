"""Writes of the key accounts app, one module per entity: accounts (creation, details, status
transitions), reassignment, contacts, interactions (calls move the plan), orders,
performance (stored bands, nightly snapshots) and call reminders.

Every function is keyword-only, transactional, and raises `core.errors.ApplicationError`
(400 per field), `ConflictError` (409: not allowed in the current state),
`PermissionDeniedError` (403) or `NotFoundError` (404: no such account, or not yours).
"""

from kam.services.accounts import (
    ACCOUNT_FIELDS,
    account_check,
    account_create,
    account_transition,
    account_update,
    transition_check,
)
from kam.services.contacts import (
    CONTACT_FIELDS,
    contact_check,
    contact_create,
    contact_delete,
    contact_update,
)
from kam.services.interactions import call_log, interaction_check, interaction_log
from kam.services.orders import order_check, order_log
from kam.services.performance import performance_refresh, performance_snapshot_take
from kam.services.reassignment import accounts_reassign, reassign_check
from kam.services.reminders import call_reminder_send

__all__ = [
    "ACCOUNT_FIELDS",
    "CONTACT_FIELDS",
    "account_check",
    "account_create",
    "account_transition",
    "account_update",
    "accounts_reassign",
    "call_log",
    "call_reminder_send",
    "contact_check",
    "contact_create",
    "contact_delete",
    "contact_update",
    "interaction_check",
    "interaction_log",
    "order_check",
    "order_log",
    "performance_refresh",
    "performance_snapshot_take",
    "reassign_check",
    "transition_check",
]
