"""Files kept in the database, through Django's storage API (`STORAGES["uploads"]` with
UPLOADS_STORAGE=database, production's default).

Any web or worker process on any machine reads a file by its name from the database it
already uses: no shared volume, no bucket and no credentials of its own; the database's
backups and transactions cover the files together with the rows that point at them (a file
saved in a transaction that rolls back is gone with it). For small files: the workflows'
uploads are at most WORKFLOWS_UPLOAD_MAX_BYTES (2 MiB), read whole.

Our own rather than a library's (README, decisions): the maintained one (django-dbfiles)
raises the model's DoesNotExist for a missing file, serves every file at a public URL and
fails on two saves of one name at once; this is as short and needs no new dependency.
"""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils.deconstruct import deconstructible

NAME_MAX_LENGTH = 255  # core.StoredFile.name
SAVE_ATTEMPTS = 5  # another process may take the same free name between our check and insert


@deconstructible(path="core.storage.DatabaseStorage")
class DatabaseStorage(Storage):
    """Whole files in `core.StoredFile` rows. Files are never served at a URL: the app's own
    views read them and check who may (e.g. workflows' upload download)."""

    def _open(self, name: str, mode: str = "rb") -> File:
        if set(mode) & set("wax+"):
            raise ValueError(f"{type(self).__name__} opens files for reading only (mode {mode!r})")
        from core.models import StoredFile

        content = StoredFile.objects.filter(name=name).values_list("content", flat=True).first()
        if content is None:
            raise FileNotFoundError(f"No stored file named {name!r}")
        return ContentFile(bytes(content), name=name)

    def _save(self, name: str, content: File) -> str:
        from core.models import StoredFile

        data = b"".join(
            chunk.encode() if isinstance(chunk, str) else bytes(chunk) for chunk in content.chunks()
        )
        for _ in range(SAVE_ATTEMPTS):
            try:
                with transaction.atomic():  # a savepoint: a taken name does not spoil the caller's
                    StoredFile.objects.create(name=name, content=data, size=len(data))
                return name
            except IntegrityError:
                if not StoredFile.objects.filter(name=name).exists():
                    raise  # not the name: let the real problem show
                name = self.get_available_name(name, max_length=NAME_MAX_LENGTH)
        raise FileExistsError(f"No free name found for {name!r} after {SAVE_ATTEMPTS} attempts")

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        limit = min(max_length or NAME_MAX_LENGTH, NAME_MAX_LENGTH)
        return super().get_available_name(name, max_length=limit)

    def exists(self, name: str) -> bool:
        from core.models import StoredFile

        return StoredFile.objects.filter(name=name).exists()

    def delete(self, name: str) -> None:
        """Deleting a name that is not there is not an error (as for the file system)."""
        from core.models import StoredFile

        StoredFile.objects.filter(name=name).delete()

    def size(self, name: str) -> int:
        return self._field(name, "size")

    def get_created_time(self, name: str) -> datetime:
        return self._field(name, "created_at")

    def get_modified_time(self, name: str) -> datetime:
        return self._field(name, "created_at")  # a stored file is never changed, only replaced

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "Files in the database are not served at a URL; a view reads them and checks access."
        )

    def _field(self, name: str, field: str):
        from core.models import StoredFile

        values = StoredFile.objects.filter(name=name).values_list(field, flat=True)
        for value in values[:1]:
            return value
        raise FileNotFoundError(f"No stored file named {name!r}")
