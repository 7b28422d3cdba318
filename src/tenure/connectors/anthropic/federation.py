"""Anthropic workload identity federation (vendor-apis-nhi.md §3): issuers and rules as
records. Pure: decoded vendor JSON in, records out.

A rule's enabled workspaces are the union of its ``workspace_ids``, its legacy single
``workspace_id`` and its rule-workspaces listing (explicit enablements only); when
``applies_to_all_workspaces`` is set the rule covers every workspace, future ones too, and
the set is kept as read. An archived rule has no enabled workspace. The ``match`` object is
kept whole and its documented fields are split out for the checks; a ``jwks.type`` this
module does not know is stored as ``unknown`` with the object in ``attributes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tenure.connectors.anthropic.transform import _require, ts
from tenure.model import FederationIssuer, FederationRule, JwksType

JSON = Mapping[str, Any]

_LINEAGE = ("created_by_actor_id", "updated_by_actor_id", "archived_by_actor_id")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _obj(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _jwks_type(jwks: JSON) -> JwksType:
    try:
        return JwksType(str(jwks.get("type") or JwksType.DISCOVERY))
    except ValueError:
        return JwksType.UNKNOWN


def issuer(obj: JSON) -> FederationIssuer:
    """A ``federation_issuer`` with its JWKS source and poll status."""
    issuer_id = _require(obj, "id", "federation issuer")
    jwks = _obj(obj.get("jwks"))
    poll = _obj(obj.get("poll_status"))
    attributes: dict[str, Any] = {"jwks": dict(jwks)}
    for name in _LINEAGE[1:]:
        attributes[name] = _text(obj.get(name))
    return FederationIssuer(
        external_id=issuer_id, name=str(obj.get("name") or issuer_id),
        issuer_url=str(obj.get("issuer_url") or ""),
        check_jti=obj.get("check_jti") is not False, jwks_type=_jwks_type(jwks),
        jwks_polling_disabled_at=ts(obj.get("jwks_polling_disabled_at")),
        max_jwt_lifetime_seconds=_int(obj.get("max_jwt_lifetime_seconds")),
        consecutive_failures=_int(poll.get("consecutive_failures")) or 0,
        last_fetched_at=ts(poll.get("last_fetched_at")), next_poll_at=ts(poll.get("next_poll_at")),
        created_at=ts(obj.get("created_at")), updated_at=ts(obj.get("updated_at")),
        archived_at=ts(obj.get("archived_at")),
        created_by_actor_id=_text(obj.get("created_by_actor_id")), attributes=attributes)


def rule_workspace_ids(items: Iterable[JSON]) -> list[str]:
    """The workspace ids of a rule-workspaces listing (``federation_rule_workspace`` rows)."""
    return [w for item in items if (w := _text(item.get("workspace_id"))) is not None]


def rule(obj: JSON, listed_workspaces: Iterable[str] = ()) -> FederationRule:
    """A ``federation_rule``; ``listed_workspaces`` is its rule-workspaces listing."""
    rule_id = _require(obj, "id", "federation rule")
    match = _obj(obj.get("match"))
    target = _obj(obj.get("target"))
    claims = _obj(match.get("claims"))
    archived = ts(obj.get("archived_at"))
    enabled: list[str] = []
    if archived is None:
        raw_ids = obj.get("workspace_ids")
        candidates = [*(raw_ids if isinstance(raw_ids, list) else []),
                      obj.get("workspace_id"), *listed_workspaces]
        for ws in candidates:
            if isinstance(ws, str) and ws and ws not in enabled:
                enabled.append(ws)
    audience = match.get("audience")
    if isinstance(audience, list):
        audience = " ".join(str(a) for a in audience)
    attributes: dict[str, Any] = {
        "issuer_name": _text(obj.get("issuer_name")),
        "target_type": _text(target.get("type")),
        "target_service_account_name": _text(target.get("service_account_name")),
        "legacy_workspace_id": _text(obj.get("workspace_id")),
    }
    for name in _LINEAGE[1:]:
        attributes[name] = _text(obj.get(name))
    return FederationRule(
        external_id=rule_id, name=str(obj.get("name") or rule_id),
        issuer_id=_require(obj, "issuer_id", "federation rule"),
        target_service_account_id=_text(target.get("service_account_id")),
        oauth_scope=str(obj.get("oauth_scope") or ""),
        description=str(obj.get("description") or ""),
        subject_prefix=_text(match.get("subject_prefix")), audience=_text(audience),
        claims={str(k): v for k, v in claims.items()},
        condition=_text(match.get("condition")), match=dict(match),
        token_lifetime_seconds=_int(obj.get("token_lifetime_seconds")),
        applies_to_all_workspaces=obj.get("applies_to_all_workspaces") is True,
        workspace_ids=tuple(enabled), created_at=ts(obj.get("created_at")),
        updated_at=ts(obj.get("updated_at")), archived_at=archived,
        created_by_actor_id=_text(obj.get("created_by_actor_id")), attributes=attributes)
