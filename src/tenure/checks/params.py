"""Check parameters: defaults from the registration, overrides from ``[checks.<id>]``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tenure.checks.base import Check, Params, ParamValue
from tenure.errors import ConfigError

Override = int | float | str | list[str]


def _coerce(check: Check, name: str, default: ParamValue, value: Override) -> ParamValue:
    where = f"checks.{check.id}.{name}"
    if isinstance(default, tuple):
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError("must be a list of words", field=where)
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError("must be a number", field=where)
        if value < 0:
            raise ConfigError("must not be negative", field=where)
        return value
    if not isinstance(value, str):
        raise ConfigError("must be text", field=where)
    return value


def resolve_params(check: Check, overrides: Mapping[str, Override]) -> Params:
    """The check's parameters with config overrides applied; unknown names are errors."""
    defaults = check.defaults()
    values = dict(defaults)
    for name, value in overrides.items():
        if name not in defaults:
            known = ", ".join(defaults) or "none"
            raise ConfigError(f"unknown parameter (known: {known})",
                              field=f"checks.{check.id}.{name}")
        values[name] = _coerce(check, name, defaults[name], value)
        choices = next(p.choices for p in check.params if p.name == name)
        if choices and values[name] not in choices:
            raise ConfigError(f"must be one of {', '.join(choices)}",
                              field=f"checks.{check.id}.{name}")
    return Params(values)


def validate_overrides(
    checks: Sequence[Check], overrides: Mapping[str, Mapping[str, Override]]
) -> None:
    """Fail on ``[checks.<id>]`` sections naming no known check or an unknown parameter."""
    by_id = {c.id: c for c in checks}
    for check_id, values in overrides.items():
        if check_id not in by_id:
            raise ConfigError(f"no check {check_id!r} (see `tenure checks`)",
                              field=f"checks.{check_id}")
        resolve_params(by_id[check_id], values)
