"""Workflow definitions (writes): the definition files stored as rows, one per content.

The files are synced when they change, not when they are read: after every `migrate` (the
post_migrate signal, see `workflows.apps`; every deploy runs it) and by `manage.py
workflows_definitions --store`. Pages, the API and new runs only read the rows the last sync
left (`workflows.selectors`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from workflows import loader
from workflows.loader import Definition, DefinitionError
from workflows.models import DefinitionProblem, WorkflowDefinition

logger = logging.getLogger(__name__)


def definitions_sync() -> tuple[list[WorkflowDefinition], list[DefinitionError]]:
    """Store every valid definition file as a row keyed by (key, version, checksum) and mark
    it current; record the broken files as `DefinitionProblem`s. A broken file leaves the last
    good version of its key current; a removed file's key has no current version any more.
    Writes only what changed. Returns the current rows (by title) and the broken files."""
    definitions, errors = loader.load_all()
    for error in errors:
        logger.error("workflow definition refused: %s", error)
    rows = _store_definitions(definitions, broken_keys={_key_of(error) for error in errors})
    _store_problems(errors)
    return rows, errors


def _key_of(error: DefinitionError) -> str:
    return error.source.rsplit(".", 1)[0]


def _store_definitions(
    definitions: list[Definition], *, broken_keys: set[str]
) -> list[WorkflowDefinition]:
    # Nothing to write when the current rows are exactly the files' contents (plus the last
    # good version of any broken file): a sync at every migrate only reads.
    current = list(WorkflowDefinition.objects.filter(is_current=True))
    wanted = {(d.key, d.version, d.checksum) for d in definitions}
    have = {(row.key, row.version, row.checksum) for row in current}
    current_keys = [row.key for row in current]
    if (
        wanted <= have
        and len(current_keys) == len(set(current_keys))
        and set(current_keys) <= {key for key, _, _ in wanted} | broken_keys
    ):
        return sorted(current, key=lambda row: row.title)
    rows = []
    with transaction.atomic():
        for definition in definitions:
            row, _ = WorkflowDefinition.objects.get_or_create(
                key=definition.key,
                version=definition.version,
                checksum=definition.checksum,
                defaults={
                    "title": definition.title,
                    "spec": definition.spec,
                    "source": definition.source,
                    "is_current": True,
                },
            )
            if not row.is_current:
                WorkflowDefinition.objects.filter(pk=row.pk).update(is_current=True)
                row.is_current = True
            WorkflowDefinition.objects.filter(key=definition.key, is_current=True).exclude(
                pk=row.pk
            ).update(is_current=False)
            rows.append(row)
        kept = {definition.key for definition in definitions} | broken_keys
        WorkflowDefinition.objects.filter(is_current=True).exclude(key__in=kept).update(
            is_current=False
        )
    rows += list(
        WorkflowDefinition.objects.filter(
            key__in=broken_keys - {r.key for r in rows}, is_current=True
        )
    )
    return sorted(rows, key=lambda row: row.title)


def _store_problems(errors: list[DefinitionError]) -> None:
    """The broken files of this sync replace those of the last one (the rows, and the time
    they were found, stay as they are while the broken files do not change)."""
    wanted = sorted((error.source, list(error.problems)) for error in errors)
    have = sorted(DefinitionProblem.objects.values_list("source", "problems"))
    if [(source, list(problems)) for source, problems in have] == wanted:
        return
    now = timezone.now()
    with transaction.atomic():
        DefinitionProblem.objects.all().delete()
        DefinitionProblem.objects.bulk_create(
            DefinitionProblem(source=source, problems=problems, found_at=now)
            for source, problems in wanted
        )
