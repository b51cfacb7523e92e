"""Workflow definitions (writes): the definition files stored as rows, one per content."""

from __future__ import annotations

import json
import logging
from functools import lru_cache

from django.db import transaction

from core.errors import ApplicationError
from workflows import loader
from workflows.loader import Definition, DefinitionError
from workflows.models import WorkflowDefinition

logger = logging.getLogger(__name__)


def definitions_sync() -> tuple[list[WorkflowDefinition], list[DefinitionError]]:
    """Store every valid definition file as a row keyed by (key, version, checksum) and mark
    it current. A broken file leaves the last good version of its key current (and is
    reported); a removed file's key has no current version any more."""
    definitions, errors = loader.load_all()
    broken_keys = {error.source.rsplit(".", 1)[0] for error in errors}
    for error in errors:
        logger.error("workflow definition refused: %s", error)
    # Fast path, no write (no SQLite write lock on every page view): the current rows are
    # exactly the files' contents (plus the last good version of any broken file).
    current = list(WorkflowDefinition.objects.filter(is_current=True))
    wanted = {(d.key, d.version, d.checksum) for d in definitions}
    have = {(row.key, row.version, row.checksum) for row in current}
    current_keys = [row.key for row in current]
    if (
        wanted <= have
        and len(current_keys) == len(set(current_keys))
        and set(current_keys) <= {key for key, _, _ in wanted} | broken_keys
    ):
        return sorted(current, key=lambda row: row.title), errors
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
    return sorted(rows, key=lambda row: row.title), errors


@lru_cache(maxsize=64)
def _definition_from_spec(checksum: str, spec_json: str) -> Definition:
    return loader.validate_spec(json.loads(spec_json), source=f"stored definition {checksum[:8]}")


def definition_of(row: WorkflowDefinition) -> Definition:
    """The validated definition a stored row holds (runs use their own row, never the file)."""
    return _definition_from_spec(row.checksum, json.dumps(row.spec, sort_keys=True))


def workflow_definition_current(*, key: str) -> WorkflowDefinition:
    rows, _ = definitions_sync()
    for row in rows:
        if row.key == key:
            return row
    raise ApplicationError(
        f"There is no workflow '{key}'.",
        code="unknown_workflow",
        fields={"definition": [f"Unknown workflow '{key}'."]},
    )
