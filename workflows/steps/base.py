"""What a step type is, and the registry that maps a definition's `type` to one.

A step type is one class: its `type` name, the JSON Schema of its `config`, whether it
waits for a person, and how it executes. Person steps (`waits_for_person = True`) build a
Django form and turn the submitted input into the step's output; automatic steps run in a
worker and compute their output from earlier steps' outputs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django import forms

    from workflows.loader import Definition, StepSpec


class StepFailed(Exception):
    """An automatic step could not produce its output; the run fails with these messages."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass
class StepContext:
    """What a step sees when it executes: its run's earlier outputs and uploaded files."""

    definition: Definition
    step: StepSpec
    outputs: dict[str, dict[str, Any]]  # step id -> output, for the steps done so far
    open_upload: Any = None  # callable(upload_id: str) -> (name, size, binary file)


class StepType:
    type: str = ""
    waits_for_person: bool = False
    config_schema: dict[str, Any] = {"type": "object"}

    def check(self, step: StepSpec, definition: Definition) -> Iterator[tuple[str, str]]:
        """Rules JSON Schema cannot express (references to other steps), as
        (path inside the step's config, message) pairs. Nothing by default."""
        return iter(())

    # Person steps.
    def build_form(self, step: StepSpec, definition: Definition) -> type[forms.Form]:
        raise NotImplementedError(f"{self.type} does not wait for a person")

    def output_from_form(
        self, step: StepSpec, cleaned_data: dict[str, Any], upload_ids: dict[str, str]
    ) -> dict[str, Any]:
        raise NotImplementedError(f"{self.type} does not wait for a person")

    # Automatic steps.
    def execute(self, context: StepContext) -> dict[str, Any]:
        raise NotImplementedError(f"{self.type} is executed by a person's input")

    # Uploads checked when a person step's form is submitted (see excel_upload).
    def check_upload(self, step: StepSpec, *, name: str, size: int, file: IO[bytes]) -> list[str]:
        return []


class StepRegistry:
    def __init__(self) -> None:
        self._types: dict[str, StepType] = {}

    def register(self, step_type: StepType) -> StepType:
        if not step_type.type:
            raise ValueError("a step type needs a `type` name")
        self._types[step_type.type] = step_type
        return step_type

    def unregister(self, name: str) -> None:
        self._types.pop(name, None)

    def get(self, name: str) -> StepType | None:
        return self._types.get(name)

    def __getitem__(self, name: str) -> StepType:
        return self._types[name]

    def names(self) -> list[str]:
        return sorted(self._types)


registry = StepRegistry()
