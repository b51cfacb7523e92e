from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Workflows"

    def ready(self) -> None:
        # The definition files become rows after every migrate (every deploy and `make run`
        # run it), so pages and new runs only read rows.
        post_migrate.connect(
            sync_definitions_after_migrate, sender=self, dispatch_uid="workflows.sync_definitions"
        )
        # An upload's file goes with its row, however the row goes (a run's cascade included).
        post_delete.connect(
            delete_stored_file, sender="workflows.Upload", dispatch_uid="workflows.upload_file"
        )


def delete_stored_file(instance=None, **kwargs) -> None:
    """Once the deletion commits: a rollback keeps the row, so it must keep its file too
    (a crash in between leaves an unreferenced file, never a row without one)."""
    file = instance.file
    if file.name:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def sync_definitions_after_migrate(apps=None, **kwargs) -> None:
    from workflows.models import DefinitionProblem, WorkflowDefinition
    from workflows.services import definitions_sync

    models = (WorkflowDefinition, DefinitionProblem)
    if apps is not None and not all(_migrated(apps, model) for model in models):
        return  # migrated back to before the tables the sync writes
    definitions_sync()


def _migrated(state_apps, model) -> bool:
    try:
        state = state_apps.get_model(model._meta.app_label, model._meta.model_name)
    except LookupError:
        return False
    columns = {field.column for field in model._meta.concrete_fields}
    return columns == {field.column for field in state._meta.concrete_fields}
