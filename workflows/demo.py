"""Demo data (`manage.py load_demo_data`, run by `make run`): a sample statement file and a
finished "customer income and expenditure" run made from it. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from workflows import excel, services
from workflows.models import WorkflowRun

KEY = "customer_income_expenditure"
INCOME = [3150, 3150, 3200, 3200, 3200, 3450.5, 3200, 3200, 3200, 3300, 3300, 4100]
EXPENSES = [2480.2, 2310, 2650.75, 2290, 2400, 3120.4, 2890, 2205, 2330, 2460, 2610.3, 3780]


def sample_statement(today: dt.date | None = None) -> bytes:
    """The last 12 complete months: real dates in the month column, decimal amounts."""
    months = excel.last_months(today or timezone.localdate(), 12)
    rows = [
        [dt.date(int(month[:4]), int(month[5:]), 1), income, expenses]
        for month, income, expenses in zip(months, INCOME, EXPENSES, strict=True)
    ]
    spec = excel.TableSpec(
        columns=(
            excel.Column("month", "month", "month"),
            excel.Column("income", "income", "amount"),
            excel.Column("expenses", "expenses", "amount"),
        ),
        sheet="Statement",
    )
    return excel.template_workbook(spec, example_rows=rows)


def load(stdout) -> None:
    folder = settings.VAR_DIR / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / "sample_statement.xlsx"
    content = sample_statement()
    sample.write_bytes(content)
    if WorkflowRun.objects.exists():
        stdout.write(f"workflows: demo data already there (sample file: {sample})")
        return
    run = services.workflow_run_start(
        key=KEY,
        actor="workflows.demo",
        data={"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1986-12-09"},
        files={"statement": SimpleUploadedFile("sample_statement.xlsx", content)},
    )
    status = services.workflow_run_execute(run_id=run.id)
    stdout.write(f"workflows: one {status} run for Grace Hopper; sample file: {sample}")
