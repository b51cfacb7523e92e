"""Call reminders: each KAM's due calls of the day, stored (and logged) once per local day."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.selectors import user_zone
from kam.models import CallReminder
from kam.selectors import calls_due

logger = logging.getLogger(__name__)


def call_reminder_send(*, kam_id: int, now: dt.datetime | None = None) -> CallReminder | None:
    """Store (and log) today's list of one KAM's due calls: one record per KAM per local day,
    replaced if the task runs again that day. No email: the landing page and this record are
    where a KAM sees it; a mail or chat sender can read the record later."""
    now = now or timezone.now()
    kam = get_user_model().objects.filter(pk=kam_id).first()
    if kam is None:
        return None
    due = calls_due(kam=kam, now=now)
    day = now.astimezone(user_zone(user_id=kam.pk)).date()  # the KAM's own day
    calls = [
        {
            "restaurant": call.account.pk,
            "name": call.account.name,
            "due_at": call.due_at.isoformat(),
            "group": group,
        }
        for group, items in due.groups()
        if group != "next_seven_days"
        for call in items
    ]
    reminder, _ = CallReminder.objects.update_or_create(
        kam=kam,
        date=day,
        defaults={
            "overdue": len(due.overdue),
            "today": len(due.today),
            "next_seven_days": len(due.next_seven_days),
            "calls": calls,
        },
    )
    logger.info(
        "kam reminder for %s on %s: %s overdue, %s today, %s in the next seven days",
        kam.get_username(),
        day,
        reminder.overdue,
        reminder.today,
        reminder.next_seven_days,
    )
    return reminder
