"""Step types: one class each, registered here. See docs/workflows.md, "How to add a step type"."""

from workflows.steps.base import StepContext, StepFailed, StepType, registry
from workflows.steps.chart import ChartStep
from workflows.steps.excel_upload import ExcelUploadStep
from workflows.steps.form import FormStep

registry.register(FormStep())
registry.register(ExcelUploadStep())
registry.register(ChartStep())

__all__ = ["StepContext", "StepFailed", "StepType", "registry"]
