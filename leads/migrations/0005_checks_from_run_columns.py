"""Copy each run's per-system columns (`registry_*`, `archives_*`, `scoring_*`) into one
`QualificationCheck` row per system, and back when reversed.

A system whose columns all hold their defaults (pending, no reason, no times, no answer) was
never heard from: it gets no row, as new runs do (a missing row reads as pending), and
reversing writes the defaults back. Both directions work in primary-key chunks.
"""

from django.db import migrations

SYSTEMS = ("registry", "archives", "scoring")
COLUMNS = ("status", "reason", "started_at", "finished_at", "latency_ms", "response")
DEFAULTS = {
    "status": "pending",
    "reason": "",
    "started_at": None,
    "finished_at": None,
    "latency_ms": None,
    "response": None,
}
CHUNK = 1000


def forwards(apps, schema_editor):
    QualificationRun = apps.get_model("leads", "QualificationRun")
    QualificationCheck = apps.get_model("leads", "QualificationCheck")
    fields = [f"{system}_{column}" for system in SYSTEMS for column in COLUMNS]
    rows = []
    for run in QualificationRun.objects.order_by("pk").only("pk", *fields).iterator(CHUNK):
        for system in SYSTEMS:
            values = {column: getattr(run, f"{system}_{column}") for column in COLUMNS}
            if values["reason"] is None:
                values["reason"] = ""
            if values != DEFAULTS:
                rows.append(QualificationCheck(run_id=run.pk, system=system, **values))
        if len(rows) >= CHUNK:
            QualificationCheck.objects.bulk_create(rows)
            rows = []
    QualificationCheck.objects.bulk_create(rows)


def backwards(apps, schema_editor):
    QualificationRun = apps.get_model("leads", "QualificationRun")
    QualificationCheck = apps.get_model("leads", "QualificationCheck")
    fields = [f"{system}_{column}" for system in SYSTEMS for column in COLUMNS]
    checks = QualificationCheck.objects.order_by("run_id", "pk")
    batch: dict[int, dict] = {}

    def flush():
        runs = QualificationRun.objects.in_bulk(list(batch))
        for run_id, values in batch.items():
            for name, value in values.items():
                setattr(runs[run_id], name, value)
        QualificationRun.objects.bulk_update(runs.values(), fields)
        batch.clear()

    for check in checks.iterator(CHUNK):
        if check.system not in SYSTEMS:
            continue
        if check.run_id not in batch and len(batch) >= CHUNK:
            flush()
        values = batch.setdefault(
            check.run_id,
            {f"{system}_{column}": DEFAULTS[column] for system in SYSTEMS for column in COLUMNS},
        )
        for column in COLUMNS:
            values[f"{check.system}_{column}"] = getattr(check, column)
    if batch:
        flush()


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_qualificationcheck")]

    operations = [migrations.RunPython(forwards, backwards)]
