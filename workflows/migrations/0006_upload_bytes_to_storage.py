"""Move each upload's bytes from its row (`content`) into the `uploads` storage (the backend
UPLOADS_STORAGE chooses when the migration runs), under the name the model now gives
(`uploads/workflows/<run id>/<upload id>.<ext>`). Size and sha256 stay as they were.

Backwards: the bytes go back into the row, and the stored file is deleted once that commits.
"""

import re
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, transaction


def file_name(run_id, upload_id, original_name: str) -> str:
    # As workflows.models.upload_file_name does today (copied: a migration keeps its meaning).
    suffix = PurePath(original_name).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = ""
    return f"uploads/workflows/{run_id}/{upload_id}{suffix}"


def to_storage(apps, schema_editor):
    Upload = apps.get_model("workflows", "Upload")
    storage = storages["uploads"]
    for pk in list(Upload.objects.filter(file="").values_list("pk", flat=True)):
        upload = Upload.objects.only("pk", "run_id", "original_name", "content").get(pk=pk)
        name = storage.save(
            file_name(upload.run_id, upload.pk, upload.original_name),
            ContentFile(bytes(upload.content or b"")),
        )
        Upload.objects.filter(pk=pk).update(file=name)


def to_rows(apps, schema_editor):
    Upload = apps.get_model("workflows", "Upload")
    storage = storages["uploads"]
    for pk, name in list(Upload.objects.exclude(file="").values_list("pk", "file")):
        with storage.open(name, "rb") as stored:
            content = stored.read()
        Upload.objects.filter(pk=pk).update(content=content, file="")
        transaction.on_commit(lambda name=name: storage.delete(name))


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0005_upload_file'),
        ('core', '0006_stored_file'),
    ]

    operations = [
        migrations.RunPython(to_storage, to_rows),
    ]
