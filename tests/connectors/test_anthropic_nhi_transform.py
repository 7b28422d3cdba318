"""Service accounts and federation from recorded Anthropic pages (tests/data/anthropic), in
every documented shape: optional fields absent or null, unknown fields present."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import federation as f
from tenure.connectors.anthropic import keys as k
from tenure.connectors.anthropic import service_accounts as s
from tenure.connectors.anthropic.oauth import ExchangeRefused, parse_token_response
from tenure.connectors.base import UnusableRecord
from tenure.connectors.http import parse_error_body
from tenure.model import AccountKind, JwksType, OwnerKind, ScopeType

DATA = Path(__file__).parent.parent / "data" / "anthropic"
ORG = "2f8c1a60-3b7d-4e0a-9c55-0d5f3a1b2c3d"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_service_accounts_become_accounts_with_lineage() -> None:
    (ci, ci_grant), (reader, reader_grant), (old, old_grant) = [
        s.service_account_records(o, ORG) for o in page("service_accounts")]
    assert ci.kind is AccountKind.SERVICE_ACCOUNT
    assert ci.email is None
    assert (ci.name, ci.role, ci.status) == ("ci-deployer", "developer", "active")
    assert ci.attributes["description"] == "Deploys from GitHub Actions"
    assert ci.attributes["created_by_actor_id"] == "user_01WCz1FkmYMm4gnmykNKUu3Q"
    assert ci.created_at == datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    assert ci_grant is not None
    assert ci_grant.entitlement.external_id == f"organization:{ORG}:developer"
    # optional fields absent, unknown ones present
    assert reader.role == "admin"
    assert reader.attributes["description"] == ""
    assert reader.attributes["archived_by_actor_id"] is None
    assert reader.attributes["created_by_actor_id"] == "svac_01HmQ7e2ZfT9w3kLbN5pR8sV"
    assert reader_grant is not None
    assert reader_grant.entitlement.privileged
    # archived: kept, with who archived it, and no live org-role grant
    assert old.status == "archived"
    assert old.attributes["archived_at"] == "2026-02-01T12:00:00Z"
    assert old.attributes["archived_by_actor_id"] == "user_01WCz1FkmYMm4gnmykNKUu3Q"
    assert old_grant is None


def test_memberships_keep_the_implicit_default_row_as_inherited() -> None:
    sa_id = "svac_01HmQ7e2ZfT9w3kLbN5pR8sV"
    default, dev, restricted = [s.membership_grant(o, sa_id)
                                for o in page("service_account_workspaces")]
    assert default.inherited
    assert default.entitlement.scope_type is ScopeType.WORKSPACE
    assert default.entitlement.scope_id == "wrkspc_01Default000000000000"
    assert default.entitlement.role == "workspace_user"
    assert not default.entitlement.privileged
    assert not dev.inherited
    assert dev.entitlement.privileged
    assert restricted.account_id == sa_id  # service_account_id absent: the listing's own
    assert restricted.entitlement.role == "workspace_restricted_developer"


def test_a_membership_without_workspace_is_unusable() -> None:
    with pytest.raises(UnusableRecord):
        s.membership_grant({"workspace_role": "workspace_user"}, "svac_x")
    with pytest.raises(UnusableRecord):
        s.service_account({"name": "no-id"})


def test_issuers_with_health_and_every_jwks_shape() -> None:
    github, eks, lab, future = [f.issuer(o) for o in page("federation_issuers")]
    assert github.check_jti
    assert github.jwks_type is JwksType.DISCOVERY
    assert github.jwks_polling_disabled_at is None
    assert github.max_jwt_lifetime_seconds == 3600
    assert github.last_fetched_at == datetime(2026, 11, 25, 11, tzinfo=UTC)
    assert not eks.check_jti
    assert eks.jwks_type is JwksType.EXPLICIT_URL
    assert eks.jwks_polling_disabled_at == datetime(2026, 11, 20, 4, tzinfo=UTC)
    assert eks.consecutive_failures == 17
    assert eks.next_poll_at is None
    assert eks.created_by_actor_id is None
    assert lab.check_jti  # absent: the vendor's default (true)
    assert lab.jwks_type is JwksType.INLINE
    assert lab.archived_at is not None
    assert lab.max_jwt_lifetime_seconds is None
    assert future.jwks_type is JwksType.UNKNOWN
    assert future.attributes["jwks"]["type"] == "spiffe_bundle"


def test_rules_with_the_complete_workspace_set() -> None:
    listed = f.rule_workspace_ids(page("federation_rule_workspaces"))
    main = f.rule(page("federation_rules")[0], listed)
    assert main.target_service_account_id == "svac_01HmQ7e2ZfT9w3kLbN5pR8sV"
    assert main.subject_prefix == "repo:acme/api:ref:refs/heads/main"
    assert main.audience == "https://api.anthropic.com"
    assert main.claims == {"repository_owner": "acme"}
    assert main.condition is None
    assert main.oauth_scope == "workspace:developer"
    assert main.token_lifetime_seconds == 900
    # union of workspace_ids, legacy workspace_id and the listing, each once
    assert main.workspace_ids == ("wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
                                  "wrkspc_01Default000000000000")
    assert main.attributes["issuer_name"] == "github-actions"
    wild, legacy, gone = [f.rule(o) for o in page("federation_rules")[1:]]
    assert wild.applies_to_all_workspaces
    assert wild.workspace_ids == ()
    assert wild.condition == "claims.ref != ''"
    assert wild.description == ""
    assert wild.created_by_actor_id is None
    assert legacy.workspace_ids == ("wrkspc_02Old0000000000000000",)
    assert legacy.audience == "aud-a aud-b"
    assert legacy.subject_prefix is None
    assert legacy.token_lifetime_seconds is None
    assert gone.archived_at is not None
    assert gone.workspace_ids == ()  # an archived rule has no enabled workspace


def test_a_rule_without_issuer_is_unusable() -> None:
    with pytest.raises(UnusableRecord):
        f.rule({"id": "fdrl_x", "match": {}})


def test_a_service_account_key_is_owned_by_the_service_account() -> None:
    read = k.api_key({"id": "apikey_sa", "status": "active", "name": "ci",
                      "created_by": {"id": "svac_01HmQ7e2ZfT9w3kLbN5pR8sV",
                                     "type": "service_account"},
                      "principal": {"type": "service_account_actor",
                                    "service_account_id": "svac_01HmQ7e2ZfT9w3kLbN5pR8sV"}})
    assert read.credential.owner_type is OwnerKind.SERVICE_ACCOUNT
    assert read.credential.owner_id == "svac_01HmQ7e2ZfT9w3kLbN5pR8sV"
    assert read.owner_note is None


def test_token_responses_and_rfc6749_errors() -> None:
    minted = parse_token_response({"access_token": "sk-ant-oat01-x", "expires_in": 3600,
                                   "token_type": "Bearer", "scope": "org:admin"}, 100.0)
    assert minted.expires_at == 3700.0
    assert minted.scope == "org:admin"
    assert parse_token_response({"access_token": "t", "expires_in": 60}, 0).scope is None
    for bad in ({"expires_in": 60}, {"access_token": "t"},
                {"access_token": "t", "expires_in": 60, "token_type": "mac"}, []):
        with pytest.raises(ExchangeRefused):
            parse_token_response(bad, 0)
    assert parse_error_body(b'{"error":"invalid_grant","error_description":"no match"}') == (
        "invalid_grant", "no match")
