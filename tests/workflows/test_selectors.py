"""Reads: the runs list's filters (the same selector for the page and the API), who sees
what, and the definitions the last sync left current."""

import pytest
from django.core.files.base import ContentFile

from core.roles import Role
from tests.workflows.conftest import KEY
from workflows import selectors, services
from workflows.models import RunStatus, Upload, WorkflowDefinition, WorkflowRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs(runner):
    waiting = services.workflow_run_start(key=KEY, actor=runner)
    failed = services.workflow_run_start(key=KEY, actor=runner)
    WorkflowRun.objects.filter(pk=failed.pk).update(status=RunStatus.FAILED, error="x")
    return waiting, failed


def test_the_run_list_filters_by_status_and_definition(runner, runs):
    waiting, failed = runs

    assert list(selectors.workflow_run_list(user=runner)) == [failed, waiting]  # newest first
    assert list(selectors.workflow_run_list(user=runner, status="waiting")) == [waiting]
    assert list(selectors.workflow_run_list(user=runner, definition=KEY, status="failed")) == [
        failed
    ]
    assert not selectors.workflow_run_list(user=runner, definition="other").exists()
    assert selectors.workflow_run_status_counts(user=runner) == {
        "waiting": 1, "running": 0, "completed": 0, "failed": 1,
    }  # fmt: skip


def test_people_without_the_app_see_nothing(user_factory, runner, runs):
    sales = user_factory(username="sam", roles=[Role.SALES_AGENT])
    waiting, _ = runs
    upload = Upload.objects.create(
        run=waiting, step_id="customer", field="statement", original_name="s.xlsx", size=1,
        sha256="0" * 64, file=ContentFile(b"x", name="s.xlsx"),
    )  # fmt: skip

    assert not selectors.workflow_run_list(user=sales).exists()
    assert selectors.workflow_run_get(user=sales, run_id=waiting.id) is None
    assert selectors.upload_get(user=sales, upload_id=upload.id) is None
    assert selectors.workflow_definition_list(user=sales) == []
    assert set(selectors.workflow_run_status_counts(user=sales).values()) == {0}
    assert selectors.upload_get(user=runner, upload_id=upload.id).read_bytes() == b"x"


def test_a_definition_narrowed_to_roles_is_listed_as_startable_for_those_roles(
    runner, user_factory
):
    row = WorkflowDefinition.objects.get(key=KEY, is_current=True)
    WorkflowDefinition.objects.filter(pk=row.pk).update(spec={**row.spec, "roles": ["analyst"]})
    analyst = user_factory(username="ann", roles=[Role.ANALYST])

    assert [r.key for r in selectors.workflow_definition_list(user=runner)] == [KEY]
    assert selectors.workflow_definition_list(user=runner, startable=True) == []
    assert [r.key for r in selectors.workflow_definition_list(user=analyst, startable=True)] == [
        KEY
    ]


def test_the_problems_of_the_last_sync_are_for_administrators(
    user_factory, runner, definitions_dir
):
    (definitions_dir / "broken.yaml").write_text("key: [")
    services.definitions_sync()
    admin = user_factory(username="root", is_superuser=True)

    assert not selectors.definition_problem_list(user=runner).exists()
    [problem] = selectors.definition_problem_list(user=admin)
    assert problem.source == "broken.yaml"
