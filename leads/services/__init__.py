"""Writes of the leads app, one module per entity: `leads` (create, change, delete a lead)
and `qualification` (start and execute qualification runs). Import from here."""

from leads.services.leads import lead_check, lead_create, lead_delete, lead_update
from leads.services.qualification import (
    Started,
    qualification_check_record,
    qualification_complete,
    qualification_run_execute,
    qualification_runs_execute,
    qualification_start,
)

__all__ = [
    "Started",
    "lead_check",
    "lead_create",
    "lead_delete",
    "lead_update",
    "qualification_check_record",
    "qualification_complete",
    "qualification_run_execute",
    "qualification_runs_execute",
    "qualification_start",
]
