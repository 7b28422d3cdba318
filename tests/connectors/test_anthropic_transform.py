"""Pure transforms from recorded Anthropic pages (tests/data/anthropic) to model records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import keys as k
from tenure.connectors.anthropic import transform as t
from tenure.model import AccountKind, CredentialKind, OwnerKind

DATA = Path(__file__).parent.parent / "data" / "anthropic"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ORG = "2f8c1a60-3b7d-4e0a-9c55-0d5f3a1b2c3d"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_users_become_accounts_and_org_role_grants() -> None:
    records = [t.user_records(u, ORG) for u in page("users")]
    jane, grant = records[0]
    assert jane.external_id == "user_01WCz1FkmYMm4gnmykNKUu3Q"
    assert jane.kind is AccountKind.USER
    assert jane.email == "Jane.Doe@acme.test"  # the writer lower-cases; the record keeps it
    assert jane.role == "admin"
    assert jane.created_at == datetime(2024, 10, 30, 23, 58, 27, 427722, tzinfo=UTC)
    assert grant.entitlement.external_id == f"organization:{ORG}:admin"
    assert grant.entitlement.privileged
    assert not grant.inherited
    privileged = {a.role: g.entitlement.privileged for a, g in records}
    assert privileged == {"admin": True, "developer": True, "claude_code_user": False,
                          "billing": False, "user": False}


@pytest.mark.parametrize("role", ["owner", "primary_owner", "membership_admin"])
def test_enterprise_admin_roles_are_privileged(role: str) -> None:
    assert t.org_entitlement(ORG, role).privileged
    assert not t.org_entitlement(ORG, "managed").privileged


def test_invites_keep_pending_and_expired_only_and_expire_stale_pending() -> None:
    invites = [t.invite(i, NOW) for i in page("invites")]
    by_id = {i.external_id: i for i in invites if i is not None}
    assert set(by_id) == {"invite_015gWxCN9Hfg2QhZwTK7Mdeu", "invite_02Stale0000000000000000",
                          "invite_03Exp00000000000000000"}
    assert by_id["invite_015gWxCN9Hfg2QhZwTK7Mdeu"].status == "pending"
    assert by_id["invite_02Stale0000000000000000"].status == "expired"  # past expires_at
    assert by_id["invite_03Exp00000000000000000"].status == "expired"


def test_workspaces_include_archived() -> None:
    spaces = [t.workspace(w) for w in page("workspaces")]
    assert [(w.name, w.status) for w in spaces] == [("Production", "active"),
                                                     ("Old experiments", "archived")]


def test_member_grants_and_implicit_admin_rule() -> None:
    ws = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    grants = [t.member_grant(m, ws) for m in page(f"members_{ws}")]
    roles = {g.account_id: (g.entitlement.role, g.entitlement.privileged) for g in grants}
    assert roles["user_02Bob000000000000000000"] == ("workspace_developer", True)
    assert roles["user_05Eve000000000000000000"] == ("workspace_user", False)
    explicit = {(g.account_id, g.entitlement.scope_id, g.entitlement.role) for g in grants}
    org_roles = {u["id"]: u["role"] for u in page("users")}
    inherited = t.inherited_grants(org_roles, [ws, "wrkspc_other"], explicit)
    got = {(g.account_id, g.entitlement.scope_id, g.entitlement.role) for g in inherited}
    # Jane (admin) is listed explicitly in ws, so only the other workspace is inherited; Dan
    # (billing) inherits workspace_billing everywhere; developers and users inherit nothing.
    assert got == {
        ("user_01WCz1FkmYMm4gnmykNKUu3Q", "wrkspc_other", "workspace_admin"),
        ("user_04Dan000000000000000000", ws, "workspace_billing"),
        ("user_04Dan000000000000000000", "wrkspc_other", "workspace_billing"),
    }
    assert all(g.inherited for g in inherited)


def test_api_keys_classic_and_newer_shapes() -> None:
    keys = {r.credential.external_id: r.credential for r in (k.api_key(o)
                                                               for o in page("api_keys"))}
    classic = keys["apikey_01Rj2N8SVvo6BePZj99NhmiT"]
    assert classic.kind is CredentialKind.API_KEY
    assert (classic.owner_type, classic.owner_id, classic.creator_id) == (
        "user", "user_01WCz1FkmYMm4gnmykNKUu3Q", "user_01WCz1FkmYMm4gnmykNKUu3Q")
    assert classic.workspace_id == "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    assert classic.scope == "workspace"
    assert classic.status == "active"
    assert classic.partial_hint == "sk-ant-api03-R2D...igAA"
    default = keys["apikey_02Default000000000000"]
    assert default.workspace_id is None  # classic shape, default workspace id not known yet
    assert default.status == "inactive"
    svc = keys["apikey_03Newer00000000000000"]
    assert (svc.owner_type, svc.owner_id) == ("service_account", "svcacct_01Ci000000000000000")
    assert svc.expires_at == datetime(2027, 2, 1, tzinfo=UTC)
    legacy = keys["apikey_04Legacy0000000000000"]
    assert legacy.scope == "organization"
    assert legacy.workspace_id is None
    assert legacy.owner_id is None
    assert legacy.creator_id is None
    assert legacy.status == "archived"
    newer_default = keys["apikey_05Dflt2000000000000"]
    assert newer_default.workspace_id == "wrkspc_00DefaultReal000000000"  # scope wins
    assert (newer_default.owner_type, newer_default.owner_id) == (
        "user", "user_03Cara00000000000000000")


def test_usage_buckets_per_key_and_day() -> None:
    usage = [u for b in page("usage_messages") for u in t.usage_bucket(b)]
    assert [(u.subject_id, u.day, u.input_tokens, u.output_tokens) for u in usage] == [
        ("apikey_01Rj2N8SVvo6BePZj99NhmiT", date(2026, 11, 23), 1330, 500),
        ("apikey_03Newer00000000000000", date(2026, 11, 24), 55, 30),  # two rows summed
    ]
    assert all(u.subject_type == "api_key" for u in usage)


def test_malformed_records_raise_value_error() -> None:
    with pytest.raises(ValueError, match="without 'id'"):
        t.user_account({"email": "x@y.z"})


def test_api_key_owner_in_every_documented_shape() -> None:
    """SDK ``{type: *_actor, *_id}`` and flat ``{type: user|service_account, id}`` are both
    read; an unrecognised principal falls back to ``created_by`` and says so, never dropped."""
    reads = {r.credential.external_id: r for r in (k.api_key(o, "wrkspc_00DefaultReal000000000")
                                                   for o in page("api_keys_owner_shapes"))}
    owner = {key: (r.credential.owner_type, r.credential.owner_id) for key, r in reads.items()}
    assert owner["apikey_10FlatUser0000000000"] == (OwnerKind.USER,
                                                     "user_02Bob000000000000000000")
    assert owner["apikey_11FlatSvcAcct000000000"] == (OwnerKind.SERVICE_ACCOUNT,
                                                       "svac_01Flat0000000000000000")
    assert owner["apikey_12SdkSvcAcct0000000000"] == (OwnerKind.SERVICE_ACCOUNT,
                                                       "svac_02Sdk00000000000000000")
    assert owner["apikey_13Unknown0000000000000"] == (OwnerKind.USER,
                                                       "user_03Cara00000000000000000")
    assert owner["apikey_14NoOwnerAtAll000000000"] == (None, None)
    noted = {key for key, r in reads.items() if r.owner_note}
    assert noted == {"apikey_13Unknown0000000000000", "apikey_14NoOwnerAtAll000000000"}
    assert "federated_identity_actor" in str(reads["apikey_13Unknown0000000000000"].owner_note)
    assert "owner taken from created_by" in str(reads["apikey_13Unknown0000000000000"].owner_note)
    assert "no known owner" in str(reads["apikey_14NoOwnerAtAll000000000"].owner_note)
    # the default workspace: revealed by a newer key, given to a classic one
    assert reads["apikey_12SdkSvcAcct0000000000"].default_workspace == (
        "wrkspc_00DefaultReal000000000")
    assert reads["apikey_15ClassicDefault00000000"].credential.workspace_id == (
        "wrkspc_00DefaultReal000000000")
    assert reads["apikey_14NoOwnerAtAll000000000"].credential.workspace_id == (
        "wrkspc_00DefaultReal000000000")
