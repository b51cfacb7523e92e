"""Files kept for the person between a form's upload and their confirmation (the preview),
or while they correct another field, so a file is chosen once.

They live in the person's session (the database session row, shared by every web process),
not in the app's tables: nothing is stored for a run until it is confirmed, and invalid input
writes nothing. At most `MAX_KEPT` files per session (the oldest goes first), each for
`WORKFLOWS_STAGED_UPLOAD_TTL` seconds; each is at most WORKFLOWS_UPLOAD_MAX_BYTES (2 MiB),
checked before it is kept.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

SESSION_KEY = "workflows_staged"
MAX_KEPT = 2  # the session is read on every request: keep it small


@dataclass(frozen=True)
class Staged:
    id: str
    original_name: str
    size: int
    content: bytes

    def as_file(self) -> SimpleUploadedFile:
        """The kept file as if it had just been uploaded."""
        return SimpleUploadedFile(
            self.original_name, self.content, content_type="application/octet-stream"
        )


def _fresh(entries: dict[str, Any]) -> dict[str, Any]:
    oldest = time.time() - settings.WORKFLOWS_STAGED_UPLOAD_TTL
    return {key: entry for key, entry in entries.items() if entry.get("at", 0) >= oldest}


def keep(session: Any, uploaded: Any) -> Staged:
    uploaded.seek(0)
    content = uploaded.read(settings.WORKFLOWS_UPLOAD_MAX_BYTES + 1)
    uploaded.seek(0)
    entries = _fresh(session.get(SESSION_KEY, {}))
    while len(entries) >= MAX_KEPT:
        entries.pop(min(entries, key=lambda key: entries[key]["at"]))
    staged = Staged(str(uuid.uuid4()), uploaded.name[:255], len(content), content)
    entries[staged.id] = {
        "name": staged.original_name,
        "size": staged.size,
        "content": base64.b64encode(content).decode("ascii"),
        "at": time.time(),
    }
    session[SESSION_KEY] = entries
    return staged


def get(session: Any, staged_id: Any) -> Staged | None:
    entry = _fresh(session.get(SESSION_KEY, {})).get(str(staged_id))
    if entry is None:
        return None
    return Staged(str(staged_id), entry["name"], entry["size"], base64.b64decode(entry["content"]))


def discard(session: Any, staged: list[Staged]) -> None:
    entries = _fresh(session.get(SESSION_KEY, {}))
    for one in staged:
        entries.pop(one.id, None)
    session[SESSION_KEY] = entries
