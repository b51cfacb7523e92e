"""Definitions: validated against the JSON Schema when loaded, refused with a message naming
the file and the path of the problem, stored with a checksum; step types as a registry."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.workflows.conftest import DEFINITIONS, KEY
from workflows import loader, selectors, services
from workflows.loader import DefinitionError, load_file, validate_spec
from workflows.models import DefinitionProblem, WorkflowDefinition
from workflows.steps import registry


def shipped() -> dict:
    return yaml.safe_load((DEFINITIONS / f"{KEY}.yaml").read_text())


def problems_of(spec, source="x.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        validate_spec(spec, source=source)
    return caught.value.problems


def test_the_shipped_definitions_are_valid():
    definitions, errors = loader.load_all()

    assert errors == []
    definition = {d.key: d for d in definitions}[KEY]
    assert definition.version >= 1
    assert [s.type for s in definition.ordered_steps()] == ["form", "excel_upload", "chart"]
    assert definition.first_step.waits_for_person
    assert not definition.steps["statement"].waits_for_person


def test_a_schema_violation_names_the_path():
    spec = shipped()
    spec["steps"][1]["config"]["rows"]["exactly"] = "twelve"
    del spec["title"]

    problems = problems_of(spec)

    assert "(top level): 'title' is a required property" in problems
    assert "steps[1].config.rows.exactly: 'twelve' is not of type 'integer'" in problems


def test_a_column_type_typo_is_refused_with_its_path():
    spec = shipped()
    spec["steps"][1]["config"]["columns"][1]["type"] = "amout"

    assert problems_of(spec) == [
        "steps[1].config.columns[1].type: 'amout' is not one of "
        "['month', 'amount', 'number', 'text']"
    ]


def test_unknown_step_type_and_dangling_references_are_refused():
    spec = shipped()
    spec["steps"][2]["type"] = "pie"
    spec["steps"][1]["next"] = "charts"

    problems = problems_of(spec)

    assert any(p.startswith("steps[2].type: unknown step type 'pie' (known:") for p in problems)
    assert "steps[1].next: no step with id 'charts'." in problems


def test_references_between_steps_are_checked():
    spec = shipped()
    spec["steps"][1]["config"]["file"]["field"] = "statment"
    spec["steps"][2]["config"]["series"][0]["column"] = "salary"

    problems = problems_of(spec)

    assert "steps[1].config.file.field: step 'customer' has no file field named 'statment'." in (
        problems
    )
    assert "steps[2].config.series[0]: step 'statement' has no column 'salary'." in problems


def test_loops_and_an_automatic_first_step_are_refused():
    spec = shipped()
    spec["steps"][2]["next"] = "statement"
    assert problems_of(spec) == [
        "steps[2].next: makes a loop (statement -> chart -> statement); loops are refused."
    ]
    spec = shipped()
    spec["start"] = "statement"
    assert any("must wait for a person" in p for p in problems_of(spec))


def test_a_broken_file_is_refused_naming_the_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("key: broken\nversion: 1\ntitle: [unclosed\n")
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({**shipped(), "key": "elsewhere"}))

    definitions, errors = loader.load_all([tmp_path])

    assert definitions == []
    assert [e.source for e in errors] == ["broken.yaml", "other.yaml"]
    assert str(errors[0]).startswith("broken.yaml: is not valid YAML")
    assert str(errors[1]) == "other.yaml: key: 'elsewhere' must match the file name ('other')."


def test_the_command_lists_valid_definitions(capsys):
    call_command("workflows_definitions")

    out = capsys.readouterr().out
    assert re.search(r"ok +customer_income_expenditure.yaml: customer_income_expenditure v\d", out)
    assert "customer (form) -> statement (excel_upload) -> chart (chart)" in out
    assert "1 valid, 0 broken" in out


def test_the_command_fails_with_one_line_per_broken_definition(definitions_dir, capsys):
    spec = shipped()
    spec["steps"][1]["config"]["rows"]["exactly"] = 0
    spec["version"] = "two"
    (definitions_dir / "bad_one.json").write_text(json.dumps({**spec, "key": "bad_one"}))

    with pytest.raises(CommandError, match="1 broken workflow definition"):
        call_command("workflows_definitions")

    err = capsys.readouterr().err.splitlines()
    assert err == [
        "BROKEN bad_one.json: version: 'two' is not of type 'integer'; "
        "steps[1].config.rows.exactly: 0 is less than the minimum of 1",
    ]


def test_the_checksum_ignores_formatting(tmp_path):
    spec = shipped()
    (tmp_path / f"{KEY}.json").write_text(json.dumps(spec, indent=4))

    assert (
        load_file(tmp_path / f"{KEY}.json").checksum
        == load_file(DEFINITIONS / f"{KEY}.yaml").checksum
    )


@pytest.mark.django_db
def test_sync_stores_each_content_once_and_marks_the_current_one(definitions_dir):
    first, _ = services.definitions_sync()
    services.definitions_sync()
    path = definitions_dir / f"{KEY}.yaml"
    path.write_text(path.read_text().replace("title: Customer income and expenditure",
                                             "title: Customer income and spending"))  # fmt: skip

    second, _ = services.definitions_sync()

    rows = WorkflowDefinition.objects.filter(key=KEY).order_by("loaded_at", "id")
    assert rows.count() == 2  # same version, another checksum: a new row
    assert [row.is_current for row in rows] == [False, True]
    assert second[0].title == "Customer income and spending"
    assert first[0].checksum != second[0].checksum


@pytest.mark.django_db
def test_an_unchanged_sync_only_reads(definitions_dir):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.definitions_sync()
    with CaptureQueriesContext(connection) as queries:
        rows, _ = services.definitions_sync()

    assert [row.key for row in rows] == [KEY]
    assert {q["sql"].split()[0] for q in queries} == {"SELECT"}


@pytest.mark.django_db
def test_a_broken_edit_keeps_the_last_good_version_current_and_is_recorded(definitions_dir):
    services.definitions_sync()
    (definitions_dir / f"{KEY}.yaml").write_text("key: [")

    rows, errors = services.definitions_sync()

    assert [row.key for row in rows] == [KEY]
    assert errors[0].source == f"{KEY}.yaml"
    [problem] = DefinitionProblem.objects.all()
    assert problem.source == f"{KEY}.yaml"
    assert problem.problems[0].startswith("is not valid YAML")
    found_at = problem.found_at

    services.definitions_sync()  # still broken: the record stays as it was
    assert DefinitionProblem.objects.get().found_at == found_at

    (definitions_dir / f"{KEY}.yaml").write_text(yaml.safe_dump(shipped()))
    services.definitions_sync()  # fixed: nothing is broken any more
    assert not DefinitionProblem.objects.exists()


@pytest.mark.django_db
def test_an_edited_file_is_current_only_once_synced(definitions_dir, runner):
    """Reading never syncs: the pages, the API and new runs see the rows the last sync left."""
    services.definitions_sync()
    path = definitions_dir / f"{KEY}.yaml"
    path.write_text(path.read_text().replace("version: 2", "version: 3"))

    assert selectors.workflow_definition_get(user=runner, key=KEY).version == 2
    assert services.workflow_run_start(key=KEY, actor=runner).definition.version == 2

    call_command("workflows_definitions", "--store")

    assert selectors.workflow_definition_get(user=runner, key=KEY).version == 3
    assert services.workflow_run_start(key=KEY, actor=runner).definition.version == 3


@pytest.mark.django_db
def test_migrate_syncs_the_definitions(definitions_dir):
    path = definitions_dir / f"{KEY}.yaml"
    path.write_text(path.read_text().replace("version: 2", "version: 4"))
    (definitions_dir / "broken.yaml").write_text("key: [")

    call_command("migrate", "workflows", verbosity=0)  # nothing to apply: a deploy's migrate

    assert WorkflowDefinition.objects.get(key=KEY, is_current=True).version == 4
    assert list(DefinitionProblem.objects.values_list("source", flat=True)) == ["broken.yaml"]


def test_a_new_step_type_is_one_class_and_conditions_choose_the_next_step(approval_step):
    spec = shipped()
    spec["steps"][1]["next"] = [
        {"if": {"value_of": "statement.totals.expenses", "op": "gt", "value": 20000},
         "goto": "approval"},
        {"goto": "chart"},
    ]  # fmt: skip
    spec["steps"].append({"id": "approval", "type": "approval", "next": "chart",
                          "config": {"question": "Expenses are high: go on?"}})  # fmt: skip
    definition = validate_spec(spec, source="x.yaml")

    high = {"statement": {"totals": {"expenses": "25000.00"}}}
    low = {"statement": {"totals": {"expenses": "1000.00"}}}
    assert definition.next_step("statement", high).id == "approval"
    assert definition.next_step("statement", low).id == "chart"
    assert definition.steps["approval"].waits_for_person


def test_an_unregistered_step_type_is_refused(approval_step):
    registry.unregister("approval")
    spec = shipped()
    spec["steps"].append({"id": "approval", "type": "approval"})

    assert any("unknown step type 'approval'" in p for p in problems_of(spec))


def test_shipped_definition_files_match_their_keys():
    for path in Path(DEFINITIONS).iterdir():
        assert load_file(path).key == path.stem
