"""OpenAI project keys and Admin API keys (vendor-apis.md §4.7-4.8, vendor-apis-nhi.md §7.8).

Pure: decoded vendor JSON in, ``Credential`` records out.

Owners. A project key nests its owner (``owner.user{id…}`` or ``owner.service_account{id…}``);
an Admin key's owner is flat (``owner.id``, ``owner.type``), for service accounts too (the
spec's own example owner is ``sa_456``, "My Service Account", labelled ``type: user``): the
owner is keyed on ``owner.id`` whatever the type says, and an ``sa_``/``svc_acct_`` id or a
non-``user`` type makes it a service account.

Overlap. A peer reports that ``GET /organization/admin_api_keys`` also returns project keys,
all labelled ``organization.admin_api_key``. A credential already read as a project key keeps
that (richer) record — owner, project, ``owner_project_access`` and the project-key DELETE —
and is dropped from the admin set; so is a listed "admin key" whose redacted value shows a
project or service-account secret (``sk-proj-``/``sk-svcacct-``). The run says how many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tenure.connectors.openai.transform import _obj, _require, ts
from tenure.model import Credential, CredentialKind, OwnerKind, ScopeType

JSON = Mapping[str, Any]

_SA_PREFIXES = ("sa_", "svc_acct_", "svcacct_", "user-svcacct")
_PROJECT_SECRET_PREFIXES = ("sk-proj-", "sk-svcacct-")


def _flat_kind(owner: JSON, owner_id: str) -> OwnerKind:
    if owner.get("type") not in (None, "user") or owner_id.startswith(_SA_PREFIXES):
        return OwnerKind.SERVICE_ACCOUNT
    return OwnerKind.USER


def project_key_owner(obj: JSON) -> tuple[OwnerKind | None, str | None]:
    """The owner of a project key: nested user or service account (a flat ``owner.id`` is
    read too, the shape Admin keys use)."""
    owner = _obj(obj.get("owner"))
    kind = owner.get("type")
    if kind == "service_account":
        sa_id = _obj(owner.get("service_account")).get("id") or owner.get("id")
        return (OwnerKind.SERVICE_ACCOUNT, sa_id) if sa_id else (None, None)
    user_id = _obj(owner.get("user")).get("id") or owner.get("id")
    if kind == "user" and user_id:
        return OwnerKind.USER, user_id
    if isinstance(owner.get("id"), str) and owner["id"]:
        return _flat_kind(owner, owner["id"]), owner["id"]
    return None, None


def admin_key_owner(obj: JSON) -> tuple[OwnerKind | None, str | None]:
    """The owner of an Admin key: flat, keyed on ``owner.id``."""
    owner = _obj(obj.get("owner"))
    owner_id = owner.get("id") or _obj(owner.get("user")).get("id")
    if not isinstance(owner_id, str) or not owner_id:
        return None, None
    return _flat_kind(owner, owner_id), owner_id


def project_api_key(obj: JSON, project_id: str) -> Credential:
    """A project API key: owner (user or service account), last use, owner's project access."""
    owner_type, owner_id = project_key_owner(obj)
    access = obj.get("owner_project_access")
    return Credential(
        external_id=_require(obj, "id", "api key"), kind=CredentialKind.API_KEY,
        name=str(obj.get("name") or ""), status="active",
        owner_type=owner_type if owner_id else None, owner_id=owner_id,
        workspace_id=project_id, scope=ScopeType.WORKSPACE,
        partial_hint=obj.get("redacted_value") or None, created_at=ts(obj.get("created_at")),
        last_used_at=ts(obj.get("last_used_at")),
        owner_access=str(access) if isinstance(access, str) and access else None,
    )


def admin_api_key(obj: JSON) -> Credential:
    """An Admin API key (org-wide)."""
    owner_type, owner_id = admin_key_owner(obj)
    return Credential(
        external_id=_require(obj, "id", "admin api key"), kind=CredentialKind.ADMIN_KEY,
        name=str(obj.get("name") or ""), status="active",
        owner_type=owner_type if owner_id else None, owner_id=owner_id,
        scope=ScopeType.ORGANIZATION,
        partial_hint=obj.get("redacted_value") or None, created_at=ts(obj.get("created_at")),
        expires_at=ts(obj.get("expires_at")), last_used_at=ts(obj.get("last_used_at")),
    )


@dataclass
class AdminKeyFilter:
    """Keeps project keys out of the Admin key set (read project keys first)."""

    project_keys: set[str] = field(default_factory=set)
    dropped_known: list[str] = field(default_factory=list)
    """Admin-listed ids already read as project keys (the project record is kept)."""
    dropped_shape: list[str] = field(default_factory=list)
    """Admin-listed ids whose redacted value is a project or service-account secret."""

    def saw_project_keys(self, keys: Iterable[Credential]) -> None:
        """Remember the ids a project's key listing returned."""
        self.project_keys.update(k.external_id for k in keys)

    def admin_keys(self, keys: Iterable[Credential]) -> list[Credential]:
        """The keys of an Admin listing page that really are Admin keys."""
        out: list[Credential] = []
        for key in keys:
            if key.external_id in self.project_keys:
                self.dropped_known.append(key.external_id)
            elif (key.partial_hint or "").startswith(_PROJECT_SECRET_PREFIXES):
                self.dropped_shape.append(key.external_id)
            else:
                out.append(key)
        return out

    def note(self) -> dict[str, Any] | None:
        """What the run should say about the overlap (None: there was none)."""
        if not (self.dropped_known or self.dropped_shape):
            return None
        return {"already_project_keys": len(self.dropped_known),
                "project_secret_shape": len(self.dropped_shape),
                "ids": sorted(self.dropped_known + self.dropped_shape)[:50],
                "kept": "the project-key record (owner, project, owner_project_access)"}
