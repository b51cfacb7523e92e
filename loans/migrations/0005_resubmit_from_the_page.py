"""Failed applications told people to "re-submit it from the admin", which loan officers no
longer need (nor, before issue 10, could open): the page has the button. The stored reason of
open failures now says so. History events keep what was said at the time. Reversible."""

from django.db import migrations

OLD = "Re-submit it from the admin to send it again."
NEW = "Re-submit it from its page to send it again."


def _replace(apps, before: str, after: str) -> None:
    LoanApplication = apps.get_model("loans", "LoanApplication")
    for application in LoanApplication.objects.filter(failure_reason__contains=before).only(
        "id", "failure_reason"
    ):
        application.failure_reason = application.failure_reason.replace(before, after)
        application.save(update_fields=["failure_reason"])


def forward(apps, schema_editor) -> None:
    _replace(apps, OLD, NEW)


def backward(apps, schema_editor) -> None:
    _replace(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("loans", "0004_audit_actions")]

    operations = [migrations.RunPython(forward, backward)]
