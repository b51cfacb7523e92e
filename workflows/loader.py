"""Load workflow definitions from their files and validate them.

A definition is refused with one readable line per problem, naming the file and the path of
the problem inside it (`customer_income_expenditure.yaml: steps[1].config.rows.exactly: ...`):
first the JSON Schema of a definition (schema/definition.schema.json), then each step's
config against its step type's own schema, then the references between steps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator

from core.roles import Role
from workflows.steps import registry

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "definition.schema.json"
SUFFIXES = (".yaml", ".yml", ".json")


class DefinitionError(Exception):
    """A definition file that cannot be used; `problems` are readable one-liners."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


@dataclass(frozen=True)
class StepSpec:
    id: str
    type: str
    title: str
    config: dict[str, Any]
    next: Any  # str | None | list of branches
    index: int

    @property
    def step_type(self):
        return registry[self.type]

    @property
    def waits_for_person(self) -> bool:
        return self.step_type.waits_for_person


@dataclass(frozen=True)
class Definition:
    key: str
    version: int
    title: str
    description: str
    roles: tuple[str, ...]
    start: str
    steps: dict[str, StepSpec]
    spec: dict[str, Any]
    checksum: str
    source: str = ""

    @classmethod
    def from_spec(cls, spec: dict[str, Any], *, source: str = "") -> Definition:
        steps = {
            raw["id"]: StepSpec(
                id=raw["id"],
                type=raw["type"],
                title=raw.get("title") or raw["id"].replace("_", " ").capitalize(),
                config=raw.get("config") or {},
                next=raw.get("next"),
                index=index,
            )
            for index, raw in enumerate(spec["steps"])
        }
        return cls(
            key=spec["key"],
            version=spec["version"],
            title=spec["title"],
            description=spec.get("description", ""),
            roles=tuple(spec.get("roles") or ()),
            start=spec.get("start") or spec["steps"][0]["id"],
            steps=steps,
            spec=spec,
            checksum=checksum(spec),
            source=source,
        )

    @property
    def first_step(self) -> StepSpec:
        return self.steps[self.start]

    def next_step(self, step_id: str, outputs: dict[str, dict[str, Any]]) -> StepSpec | None:
        """The step after `step_id` given the outputs so far (conditions tried in order)."""
        target = self.steps[step_id].next
        if isinstance(target, list):
            for branch in target:
                condition = branch.get("if")
                if condition is None or condition_holds(condition, outputs):
                    target = branch["goto"]
                    break
            else:
                target = None
        return self.steps[target] if target else None

    def ordered_steps(self) -> list[StepSpec]:
        return sorted(self.steps.values(), key=lambda step: step.index)

    def find_step_by_type(self, step_type: str) -> StepSpec | None:
        return next((s for s in self.ordered_steps() if s.type == step_type), None)


def checksum(spec: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the spec: formatting and comments do not count."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- conditions -----------------------------------------------------------------------------

OPERATORS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def resolve(path: str, outputs: dict[str, dict[str, Any]]) -> Any:
    value: Any = outputs
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def condition_holds(condition: dict[str, Any], outputs: dict[str, dict[str, Any]]) -> bool:
    from decimal import Decimal, InvalidOperation

    left, right = resolve(condition["value_of"], outputs), condition["value"]
    if isinstance(right, int | float) and not isinstance(right, bool):
        try:
            left, right = Decimal(str(left)), Decimal(str(right))
        except (InvalidOperation, ValueError):
            return False
    try:
        return bool(OPERATORS[condition["op"]](left, right))
    except TypeError:
        return False


# --- validation -----------------------------------------------------------------------------


@cache
def _definition_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(parts: Iterable[Any], prefix: str = "") -> str:
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema_problems(validator: Draft202012Validator, instance: Any, prefix: str) -> list[str]:
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.path))):
        # For oneOf/anyOf, the most specific sub-error says more than "is not valid under".
        best = error
        if error.context:
            best = min(error.context, key=lambda e: (-len(e.path), str(e.message)))
            path = [*error.absolute_path, *best.path]
        else:
            path = list(error.absolute_path)
        problems.append(f"{_path(path, prefix)}: {best.message}")
    return problems


def validate_spec(spec: Any, *, source: str, expected_key: str | None = None) -> Definition:
    """The Definition for a parsed spec, or DefinitionError listing every problem."""
    problems = _schema_problems(_definition_validator(), spec, "")
    steps = spec.get("steps") if isinstance(spec, dict) else None
    steps = [step for step in steps if isinstance(step, dict)] if isinstance(steps, list) else []
    ids = [step.get("id") for step in steps]
    for index, step in enumerate(steps):
        for field, target in _targets(step):
            if isinstance(target, str) and target not in ids:
                problems.append(f"steps[{index}].{field}: no step with id '{target}'.")
        if not isinstance(step.get("type"), str):
            continue
        step_type = registry.get(step["type"])
        if step_type is None:
            problems.append(
                f"steps[{index}].type: unknown step type '{step['type']}' "
                f"(known: {', '.join(registry.names())})."
            )
            continue
        validator = Draft202012Validator(step_type.config_schema)
        problems += _schema_problems(validator, step.get("config") or {}, f"steps[{index}].config")
    if problems:
        raise DefinitionError(source, problems)
    if expected_key and spec["key"] != expected_key:
        problems.append(f"key: '{spec['key']}' must match the file name ('{expected_key}').")
    ids = [step["id"] for step in spec["steps"]]
    for index, step_id in enumerate(ids):
        if ids.index(step_id) != index:
            problems.append(f"steps[{index}].id: '{step_id}' is used by more than one step.")
    known_roles = {role.value for role in Role}
    for index, role in enumerate(spec.get("roles") or []):
        if role not in known_roles:
            problems.append(
                f"roles[{index}]: unknown role '{role}' (known: {', '.join(sorted(known_roles))})."
            )
    if spec.get("start") and spec["start"] not in ids:
        problems.append(f"start: no step with id '{spec['start']}'.")
    if problems:
        raise DefinitionError(source, problems)
    definition = Definition.from_spec(spec, source=source)
    for step in definition.ordered_steps():
        for where, message in step.step_type.check(step, definition):
            problems.append(f"steps[{step.index}].config.{where}: {message}")
    problems += _cycle_problems(definition)
    if not definition.first_step.waits_for_person:
        problems.append(
            f"start: the first step ('{definition.start}') must wait for a person "
            "(a form): a run starts from someone's input."
        )
    if problems:
        raise DefinitionError(source, problems)
    return definition


def _targets(step: dict[str, Any]) -> list[tuple[str, str | None]]:
    nxt = step.get("next")
    if isinstance(nxt, list):
        return [
            (f"next[{i}].goto", branch.get("goto"))
            for i, branch in enumerate(nxt)
            if isinstance(branch, dict)
        ]
    return [("next", nxt)]


def _cycle_problems(definition: Definition) -> list[str]:
    """Loops are refused: every run must end (a step can only lead to later work)."""
    graph = {
        step.id: [target for _, target in _targets({"next": step.next}) if target]
        for step in definition.ordered_steps()
    }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for target in graph[node]:
            if state.get(target) == 1:
                path = [*trail, node]
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target, [*trail, node])):
                return found
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (cycle := visit(node, [])):
            index = definition.steps[cycle[-2]].index
            return [f"steps[{index}].next: makes a loop ({' -> '.join(cycle)}); loops are refused."]
    return []


@lru_cache(maxsize=64)
def _definition_from_spec(checksum: str, spec_json: str) -> Definition:
    return validate_spec(json.loads(spec_json), source=f"stored definition {checksum[:8]}")


def definition_of(row: Any) -> Definition:
    """The validated definition a stored `WorkflowDefinition` row holds (a run uses its own
    row, never the file). Parsed once per content."""
    return _definition_from_spec(row.checksum, json.dumps(row.spec, sort_keys=True))


# --- files ----------------------------------------------------------------------------------

_parsed: dict[str, Definition] = {}  # content sha256 -> validated definition (files are tiny)


def load_file(path: Path) -> Definition:
    """Parse and validate one definition file (cached by content)."""
    source = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DefinitionError(source, [f"cannot be read: {exc.strerror}"]) from exc
    digest = hashlib.sha256(raw + str(path).encode()).hexdigest()
    if digest in _parsed:
        return _parsed[digest]
    try:
        spec = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError) as exc:
        detail = str(exc).replace("\n", " ")
        raise DefinitionError(
            source, [f"is not valid {path.suffix[1:].upper()}: {detail}"]
        ) from exc
    definition = validate_spec(spec, source=source, expected_key=path.stem)
    _parsed[digest] = definition
    return definition


def definition_files(dirs: Iterable[str | Path] | None = None) -> list[Path]:
    folders = [Path(d) for d in (dirs if dirs is not None else settings.WORKFLOWS_DEFINITIONS_DIRS)]
    files = [
        path
        for folder in folders
        if folder.is_dir()
        for path in sorted(folder.iterdir())
        if path.suffix in SUFFIXES and path.is_file()
    ]
    return files


def load_all(
    dirs: Iterable[str | Path] | None = None,
) -> tuple[list[Definition], list[DefinitionError]]:
    """Every definition file: the valid definitions, and an error for each broken one."""
    definitions: list[Definition] = []
    errors: list[DefinitionError] = []
    seen: dict[str, str] = {}
    for path in definition_files(dirs):
        try:
            definition = load_file(path)
        except DefinitionError as error:
            errors.append(error)
            continue
        if definition.key in seen:
            errors.append(
                DefinitionError(
                    path.name,
                    [f"key: '{definition.key}' is also defined by {seen[definition.key]}."],
                )
            )
            continue
        seen[definition.key] = path.name
        definitions.append(definition)
    return definitions, errors
