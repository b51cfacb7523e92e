"""Periodic jobs of the leads app: none.

A qualification runs when someone asks (API, page, admin, CLI); a "needs review" lead is
retried by a person, and a run lost with its worker is abandoned on the next request for its
lead (`leads.services.qualification_start`), so nothing needs a clock.
"""

from core.schedules import PeriodicJob

SCHEDULES: list[PeriodicJob] = []
