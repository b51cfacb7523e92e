"""The customer's own statements: every layout and format in the corpus is read with exactly
the figures it holds; every bad file is refused with its own sentence, never an exception's
words."""

import io
import re

import pytest

from tests.workflows.conftest import BAD_FILES
from tests.workflows.corpus import EXPENSES, GOOD_FILES, INCOME, MONTHS
from workflows import excel
from workflows.loader import load_all

pytestmark = pytest.mark.django_db
EXCEPTION_WORDS = re.compile(
    r"Error\b|Exception|Traceback|<class|Invalid[A-Z]|errno|\[Errno|openpyxl|defusedxml|xml\.etree"
)


@pytest.fixture(scope="module")
def spec():
    definition = {d.key: d for d in load_all()[0]}["customer_income_expenditure"]
    return excel.TableSpec.from_config(definition.steps["statement"].config)


def read(content: bytes, spec, name: str) -> excel.Table:
    return excel.read_upload(name=name, size=len(content), file=io.BytesIO(content), spec=spec)


def test_the_corpus_has_every_layout_and_format():
    assert len(GOOD_FILES) >= 20
    assert sum(1 for good in GOOD_FILES.values() if good.name.endswith(".csv")) >= 5
    assert sum(1 for good in GOOD_FILES.values() if "across" in good.layout) >= 3


@pytest.mark.parametrize("case", sorted(GOOD_FILES))
def test_each_statement_is_read_with_exactly_its_figures(case, spec):
    good = GOOD_FILES[case]

    table = read(good.content, spec, good.name)

    assert table.errors == []
    assert [row["month"] for row in table.rows] == MONTHS
    assert [row["income"] for row in table.rows] == INCOME
    assert [row["expenses"] for row in table.rows] == EXPENSES
    assert good.layout in table.layout
    if good.sheet:
        assert table.sheet == good.sheet
        assert any(f"sheet '{good.sheet}'" in note for note in table.notes)


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_is_refused_with_a_sentence(case, spec):
    bad = BAD_FILES[case]
    try:
        messages = read(bad.content, spec, bad.name).errors
    except excel.UploadRejected as rejected:
        messages = [rejected.message]

    assert any(bad.expected in message for message in messages), messages
    for message in messages:
        assert not EXCEPTION_WORDS.search(message), message
        assert message[0].isupper() or message[0] in "'" or message[:2].isalnum(), message
        assert message.endswith("."), message


def test_the_bad_files_each_have_their_own_sentence(spec):
    seen = {}
    for case, bad in BAD_FILES.items():
        try:
            messages = tuple(read(bad.content, spec, bad.name).errors)
        except excel.UploadRejected as rejected:
            messages = (rejected.message,)
        assert messages not in seen, f"{case} says the same as {seen.get(messages)}"
        seen[messages] = case


@pytest.mark.parametrize("case", sorted(GOOD_FILES))
def test_each_statement_is_charted_with_exactly_its_figures_after_one_upload_and_one_confirmation(
    case, client, runner, customer_input
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.workflows.conftest import KEY
    from workflows import services
    from workflows.models import RunStatus, WorkflowRun
    from workflows.selectors import workflow_run_chart

    good = GOOD_FILES[case]
    client.force_login(runner)
    url = f"/workflows/start/{KEY}/"
    upload = SimpleUploadedFile(good.name, good.content)

    previewed = client.post(url, {**customer_input, "currency": "CHF", "statement": upload})
    assert previewed.status_code == 200, previewed.context["form"].errors
    confirmed = client.post(url, {**dict(previewed.context["hidden"]), "action": "confirm"})
    assert confirmed.status_code == 302

    run = WorkflowRun.objects.get()
    assert services.workflow_run_execute(run_id=run.id) == RunStatus.COMPLETED
    chart = workflow_run_chart(run)
    assert chart["x"] == MONTHS
    income, expenses, net = (series["exact"] for series in chart["series"])
    assert income == [str(value) for value in INCOME]
    assert expenses == [str(value) for value in EXPENSES]
    assert net == [str(i - e) for i, e in zip(INCOME, EXPENSES, strict=True)]
    assert chart["currency"] == "CHF"
