"""Custom policies: YAML files compiled to the same Check as the built-ins.

A policy file holds one policy (or several YAML documents separated by ``---``)::

    id: contractor-admin            # kebab-case, stable, not a built-in id
    title: Contractor holds an admin role
    severity: high                  # critical | high | medium | low | info
    subject: account                # account | api_key | grant
    rationale: Contractors must not administer the platform.
    remediation: Reduce the role to user.
    frameworks: [nist-csf:PR.AA-05]
    actions: [anthropic.remove_user]
    where:                          # every filter must hold
      - {attribute: role, in: [admin, owner]}                  # in-list (also not_in)
      - {attribute: person_department, equals: Contractors}    # compare
      - {attribute: expires_at, absent: true}                  # absent / present
      - {attribute: created_at, older_than_days: 90}           # age (also newer_than_days)
      - activity: {window_days: 30, category: admin, at_most: 0}   # activity count in window

Problems are reported with file, line and column; nothing from a file with a problem is used.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from tenure.checks.base import (
    Check,
    EvalContext,
    Hit,
    Severity,
    hits_from,
)
from tenure.checks.registry import CHECK_ID
from tenure.checks.subjects import Attribute, AttrKind, PolicySubject, age_cutoff, subjects
from tenure.errors import TenureError
from tenure.frameworks import FrameworkRef, parse_ref

COMPARE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "equals": operator.eq, "not_equals": operator.ne, "greater_than": operator.gt,
    "less_than": operator.lt, "at_least": operator.ge, "at_most": operator.le}
LIST_OPS = ("in", "not_in")
AGE_OPS = ("older_than_days", "newer_than_days")
ATTRIBUTE_OPS = (*COMPARE_OPS, *LIST_OPS, "absent", *AGE_OPS)
TOP_FIELDS = {"id": True, "title": True, "severity": True, "subject": True, "rationale": False,
              "remediation": False, "frameworks": False, "actions": False, "where": True}
"""Top-level fields of a policy and whether each is required."""


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong in a policy file, located to the line."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class PolicyError(TenureError):
    """Custom policies failed validation; ``problems`` lists each with its line."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in custom policies:\n{lines}")


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    """``attribute`` compared with ``op`` against ``value``."""

    attribute: Attribute
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    """Events in the last ``window_days`` (optionally of one category) compared with a count."""

    window_days: int
    category: str | None
    op: str
    count: int


Filter = AttributeFilter | ActivityFilter


@dataclass(frozen=True, slots=True)
class PolicySpec:
    """A validated policy, ready to compile."""

    id: str
    title: str
    severity: Severity
    subject: PolicySubject
    rationale: str
    remediation: str
    frameworks: tuple[FrameworkRef, ...]
    actions: tuple[str, ...]
    filters: tuple[Filter, ...]
    path: str


@dataclass
class _Reader:
    path: str
    problems: list[PolicyProblem] = field(default_factory=list)

    def problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(PolicyProblem(self.path, mark.line + 1, mark.column + 1, message))

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return _NOT_SCALAR
        tag, value = node.tag, node.value
        if tag.endswith(":int"):
            return int(value.replace("_", ""), 0)
        if tag.endswith(":float"):
            return float(value)
        if tag.endswith(":bool"):
            return value.lower() in ("true", "yes", "on")
        if tag.endswith(":null"):
            return None
        return str(value)

    def text(self, node: yaml.Node, what: str) -> str | None:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.problem(node, f"{what} must be non-empty text")
            return None
        return value.strip()

    def words(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, str]] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return None
        out = []
        for item in node.value:
            word = self.text(item, f"each item of {what}")
            if word is not None:
                out.append((item, word))
        return out

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return None
        return list(node.value)


_NOT_SCALAR = object()


def _close(word: str, known: Iterable[str]) -> str:
    return f"unknown field {word!r} (known: {', '.join(known)})"


def _attribute_filter(
    r: _Reader, node: yaml.Node, items: list[tuple[yaml.Node, yaml.Node]],
    subject: PolicySubject,
) -> Filter | None:
    fields = {str(k.value): (k, v) for k, v in items}
    attr_node = fields.pop("attribute")[1]
    name = r.text(attr_node, "attribute")
    attribute = subject.attributes.get(name or "")
    if name and attribute is None:
        r.problem(attr_node, f"subject {subject.name} has no attribute {name!r} (known: "
                             f"{', '.join(subject.attributes)})")
    ops = [(k, v) for key, (k, v) in fields.items()]
    for key_node, _ in ops:
        if key_node.value not in ATTRIBUTE_OPS:
            r.problem(key_node, _close(key_node.value, ("attribute", *ATTRIBUTE_OPS)))
    ops = [(k, v) for k, v in ops if k.value in ATTRIBUTE_OPS]
    if len(ops) != 1:
        r.problem(node, f"a filter needs exactly one operator ({', '.join(ATTRIBUTE_OPS)})")
        return None
    op_node, value_node = ops[0]
    op = str(op_node.value)
    if attribute is None:
        return None
    value: Any
    if op in LIST_OPS:
        listed = r.words(value_node, op)
        value = tuple(w for _, w in listed) if listed is not None else None
    elif op == "absent":
        value = r.scalar(value_node)
        if not isinstance(value, bool):
            r.problem(value_node, "absent must be true or false")
            value = None
    elif op in AGE_OPS:
        value = r.scalar(value_node)
        if attribute.kind not in (AttrKind.TIME, AttrKind.DATE):
            r.problem(op_node, f"{op} needs a date attribute; {attribute.name} is "
                               f"{attribute.kind}")
            value = None
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            r.problem(value_node, f"{op} must be a whole number of days")
            value = None
    else:
        value = r.scalar(value_node)
        if value is _NOT_SCALAR or value is None:
            r.problem(value_node, f"{op} needs a single value")
            value = None
        elif attribute.kind is AttrKind.NUMBER and not isinstance(value, int | float):
            r.problem(value_node, f"{attribute.name} is a number")
            value = None
        elif attribute.kind in (AttrKind.TIME, AttrKind.DATE):
            r.problem(op_node, "compare dates with older_than_days / newer_than_days")
            value = None
    return AttributeFilter(attribute, op, value) if value is not None else None


def _activity_filter(r: _Reader, node: yaml.Node, subject: PolicySubject) -> Filter | None:
    if subject.activity is None:
        r.problem(node, f"activity is not available for subject {subject.name}")
        return None
    items = r.mapping(node, "activity")
    if items is None:
        return None
    allowed = ("window_days", "category", "at_least", "at_most")
    values: dict[str, Any] = {}
    for key_node, value_node in items:
        key = str(key_node.value)
        if key not in allowed:
            r.problem(key_node, _close(key, allowed))
            continue
        values[key] = r.scalar(value_node) if key != "category" else r.text(value_node,
                                                                          "category")
        if key != "category" and (isinstance(values[key], bool)
                                  or not isinstance(values[key], int) or values[key] < 0):
            r.problem(value_node, f"{key} must be a whole number")
            values[key] = None
    bounds = [k for k in ("at_least", "at_most") if k in values]
    if "window_days" not in values or len(bounds) != 1:
        r.problem(node, "activity needs window_days and exactly one of at_least / at_most")
        return None
    if values["window_days"] is None or values[bounds[0]] is None:
        return None
    return ActivityFilter(values["window_days"], values.get("category"),
                          ">=" if bounds[0] == "at_least" else "<=", values[bounds[0]])


def _filters(r: _Reader, node: yaml.Node, subject: PolicySubject) -> list[Filter]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        r.problem(node, "where must be a non-empty list of filters")
        return []
    out = []
    for item in node.value:
        items = r.mapping(item, "a filter")
        if items is None:
            continue
        keys = [str(k.value) for k, _ in items]
        if keys == ["activity"]:
            result = _activity_filter(r, items[0][1], subject)
        elif "attribute" in keys:
            result = _attribute_filter(r, item, items, subject)
        else:
            r.problem(item, "a filter is either {attribute: …, <operator>: …} or "
                            "{activity: {…}}")
            for key_node, _ in items:
                if key_node.value not in ("attribute", "activity", *ATTRIBUTE_OPS):
                    r.problem(key_node, _close(key_node.value, ("attribute", "activity")))
            continue
        if result is not None:
            out.append(result)
    return out


def _policy(r: _Reader, root: yaml.Node, reserved: set[str]) -> PolicySpec | None:
    items = r.mapping(root, "a policy")
    if items is None:
        return None
    fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in items:
        key = str(key_node.value)
        if key not in TOP_FIELDS:
            r.problem(key_node, _close(key, TOP_FIELDS))
        else:
            fields[key] = (key_node, value_node)
    for name, required in TOP_FIELDS.items():
        if required and name not in fields:
            r.problem(root, f"missing required field {name!r}")
    before = len(r.problems)
    text = {k: r.text(fields[k][1], k) if k in fields else ""
            for k in ("id", "title", "rationale", "remediation")}
    policy_id = text["id"] or ""
    if "id" in fields and policy_id and not CHECK_ID.match(policy_id):
        r.problem(fields["id"][1], "id must be kebab-case (e.g. contractor-admin)")
    elif policy_id in reserved:
        r.problem(fields["id"][1], f"id {policy_id!r} is already used (by a built-in check "
                                   "or another policy)")
    severity = Severity.MEDIUM
    if "severity" in fields:
        word = r.text(fields["severity"][1], "severity")
        if word and word not in Severity.__members__.values():
            r.problem(fields["severity"][1], f"severity must be one of "
                                             f"{', '.join(s.value for s in Severity)}")
        elif word:
            severity = Severity(word)
    subject: PolicySubject | None = None
    if "subject" in fields:
        word = r.text(fields["subject"][1], "subject")
        if word and word not in subjects:
            r.problem(fields["subject"][1], f"subject must be one of "
                                            f"{', '.join(subjects.names())}")
        elif word:
            subject = subjects.get(word)
    refs: list[FrameworkRef] = []
    for node, word in (r.words(fields["frameworks"][1], "frameworks") or []
                       if "frameworks" in fields else []):
        try:
            refs.append(parse_ref(word))
        except KeyError as exc:
            r.problem(node, str(exc.args[0]))
    actions = [w for _, w in (r.words(fields["actions"][1], "actions") or [])
               ] if "actions" in fields else []
    filters = _filters(r, fields["where"][1], subject) if subject and "where" in fields else []
    if len(r.problems) > before or subject is None or not policy_id:
        return None
    return PolicySpec(policy_id, text["title"] or policy_id, severity, subject,
                      text["rationale"] or "", text["remediation"] or "", tuple(refs),
                      tuple(actions), tuple(filters), r.path)


def parse_policy_text(text: str, path: str, reserved: set[str]) -> tuple[list[PolicySpec],
                                                                         list[PolicyProblem]]:
    """Validate one file's text; returns its policies and its problems."""
    r = _Reader(path)
    specs: list[PolicySpec] = []
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return [], [PolicyProblem(path, line, column, f"invalid YAML: {exc.problem}")]
    for root in documents:
        if root is None:
            continue
        spec = _policy(r, root, reserved)
        if spec is not None:
            reserved.add(spec.id)
            specs.append(spec)
    return specs, sorted(r.problems, key=lambda p: (p.line, p.column))


def policy_files(folder: Path) -> list[Path]:
    """The policy files of a folder (``*.yaml`` and ``*.yml``), sorted."""
    if not folder.is_dir():
        raise TenureError(f"policies folder {folder} does not exist")
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def validate_policies(
    paths: Iterable[Path], reserved: set[str]
) -> tuple[list[PolicySpec], list[PolicyProblem]]:
    """Validate every file; ids must be unique across files and built-ins."""
    specs: list[PolicySpec] = []
    problems: list[PolicyProblem] = []
    taken = set(reserved)
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(PolicyProblem(str(path), 1, 1, f"cannot read: {exc}"))
            continue
        found, bad = parse_policy_text(text, str(path), taken)
        specs += found
        problems += bad
    return specs, problems


def _condition(flt: Filter, subject: PolicySubject, ctx: EvalContext) -> sa.ColumnElement[bool]:
    if isinstance(flt, ActivityFilter):
        assert subject.activity is not None  # validated
        count = subject.activity(ctx.day_before(flt.window_days), flt.category)
        return count >= flt.count if flt.op == ">=" else count <= flt.count
    column = flt.attribute.column
    if flt.op == "absent":
        return column.is_(None) if flt.value else column.is_not(None)
    if flt.op in LIST_OPS:
        inside = column.in_(flt.value)
        return inside if flt.op == "in" else sa.or_(column.is_(None), sa.not_(inside))
    if flt.op in AGE_OPS:
        cutoff = age_cutoff(flt.attribute.kind, ctx.now, flt.value)
        return column <= cutoff if flt.op == "older_than_days" else column > cutoff
    result: sa.ColumnElement[bool] = COMPARE_OPS[flt.op](column, flt.value)
    return result


def compile_policy(spec: PolicySpec) -> Check:
    """The Check a policy stands for: one SQL statement over its subject."""
    subject = spec.subject
    used = [f.attribute for f in spec.filters if isinstance(f, AttributeFilter)]
    evidence = list(dict.fromkeys(a.name for a in used))
    needs = list(subject.needs)
    for attribute in used:
        needs += attribute.needs
    if any(isinstance(f, ActivityFilter) for f in spec.filters):
        needs += subject.activity_needs

    def evaluate(ctx: EvalContext) -> list[Hit]:
        columns = [subject.attributes[name].column.label(name) for name in evidence]
        stmt = subject.base().add_columns(*columns).where(
            *(_condition(f, subject, ctx) for f in spec.filters))
        return hits_from(ctx.conn.execute(stmt).mappings(), subject.name, evidence)

    return Check(
        id=spec.id, title=spec.title, severity=spec.severity, subject_type=subject.name,
        rationale=spec.rationale or f"Custom policy from {spec.path}.",
        remediation=spec.remediation, actions=spec.actions, frameworks=spec.frameworks,
        needs=tuple(dict.fromkeys(needs)), evaluate=evaluate, builtin=False)


def load_policies(folder: Path, *, reserved: set[str]) -> list[Check]:
    """Compile every policy of ``folder``; any problem rejects them all (with lines)."""
    specs, problems = validate_policies(policy_files(folder), reserved)
    if problems:
        raise PolicyError(problems)
    return [compile_policy(s) for s in specs]


def policy_schema() -> dict[str, Any]:
    """JSON Schema of a policy file, generated from the subject registrations."""
    def attribute_filter(subject: PolicySubject) -> dict[str, Any]:
        return {
            "type": "object", "required": ["attribute"], "additionalProperties": False,
            "minProperties": 2, "maxProperties": 2,
            "properties": {
                "attribute": {"enum": list(subject.attributes)},
                **{op: {"type": ["string", "number", "boolean"]} for op in COMPARE_OPS},
                **{op: {"type": "array", "items": {"type": "string"}} for op in LIST_OPS},
                "absent": {"type": "boolean"},
                **{op: {"type": "integer", "minimum": 0} for op in AGE_OPS},
            },
        }

    activity = {
        "type": "object", "additionalProperties": False, "required": ["activity"],
        "properties": {"activity": {
            "type": "object", "additionalProperties": False, "required": ["window_days"],
            "properties": {"window_days": {"type": "integer", "minimum": 0},
                           "category": {"type": "string"},
                           "at_least": {"type": "integer", "minimum": 0},
                           "at_most": {"type": "integer", "minimum": 0}}}},
    }
    variants = []
    for name, subject in subjects.items():
        filters: list[dict[str, Any]] = [attribute_filter(subject)]
        if subject.activity is not None:
            filters.append(activity)
        variants.append({
            "properties": {"subject": {"const": name},
                           "where": {"type": "array", "minItems": 1,
                                     "items": {"oneOf": filters}}},
        })
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Tenure custom policy",
        "type": "object",
        "additionalProperties": False,
        "required": [k for k, required in TOP_FIELDS.items() if required],
        "properties": {
            "id": {"type": "string", "pattern": CHECK_ID.pattern},
            "title": {"type": "string"},
            "severity": {"enum": [s.value for s in Severity]},
            "subject": {"enum": subjects.names()},
            "rationale": {"type": "string"},
            "remediation": {"type": "string"},
            "frameworks": {"type": "array", "items": {"type": "string",
                                                      "pattern": "^[a-z0-9-]+:.+$"}},
            "actions": {"type": "array", "items": {"type": "string"}},
            "where": {"type": "array"},
        },
        "oneOf": variants,
    }
