"""Scope types are one enum in every layer: an org-role reduce plans the role downgrade."""

from __future__ import annotations

import pytest

from tenure.actions.anthropic import AnthropicProvider
from tenure.actions.plan import Target
from tenure.connectors.anthropic import transform
from tenure.model import Entitlement, ScopeType


def _grant_target(operation: str) -> Target:
    return Target("claude", "org-1", "grant", "user_1@organization:org-1:developer",
                  "ada@corp.io → org-1:developer", operation, "review")


def test_anthropic_org_role_reduce_plans_the_role_downgrade() -> None:
    # The state is what the store returns: the connector's own spelling of an org grant.
    grant = transform.user_records({"id": "user_1", "role": "developer"}, "org-1")[1]
    assert grant.entitlement.scope_type is ScopeType.ORGANIZATION
    state = {"account_id": "user_1", "scope_type": grant.entitlement.scope_type,
             "scope_id": "org-1", "role": "developer", "inherited": False}
    planned = AnthropicProvider().plan(_grant_target("reduce"), state, task_owner="sec@corp.io",
                                       task_due="2026-12-08")
    assert planned.action == "anthropic.downgrade_org_role"
    assert planned.call is not None
    assert (planned.call.method, planned.call.path) == ("POST", "/v1/organizations/users/user_1")
    assert planned.call.body == {"role": "user"}
    assert planned.manual is None


def test_an_unknown_scope_spelling_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValueError, match="'org' is not a valid ScopeType"):
        Entitlement("org", "org-1", "admin", privileged=True)  # type: ignore[arg-type]
