"""The revocation verbs the vendor APIs have, each executed on the simulator over real HTTP
and verified by a fresh read: Anthropic invite deletion, workspace- and org-role downgrade,
key deactivation then archiving; OpenAI owner → reader and project owner → member."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tenure.actions.anthropic import AnthropicProvider
from tenure.actions.openai import OpenAIProvider
from tenure.actions.plan import Target
from tenure.config import RevocationConfig
from tenure.connectors.anthropic import actions as claude
from tenure.connectors.anthropic import fetch as claude_fetch
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.http import HttpClient
from tenure.connectors.openai import actions as oai
from tenure.connectors.openai import fetch as oai_fetch
from tenure.connectors.openai.config import OpenAIConfig
from tenure.connectors.vendor_actions import Outcome
from tenure.model import ScopeType
from tenure.simulator import SimulatorServer, start_simulator
from tests.conftest import FIXED_NOW

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("mixed", seed=7, as_of=FIXED_NOW) as server:
        yield server


@pytest.fixture
def claude_client(sim: SimulatorServer) -> Iterator[HttpClient]:
    cfg = AnthropicConfig(name="claude", type="anthropic", base_url=sim.base_url,
                          api_key_env="X")
    with claude_fetch.make_client(cfg, sim.admin_key) as client:
        yield client


@pytest.fixture
def openai_client(sim: SimulatorServer) -> Iterator[HttpClient]:
    cfg = OpenAIConfig(name="openai", type="openai", base_url=sim.base_url, api_key_env="X")
    with oai_fetch.make_client(cfg, sim.openai_admin_key) as client:
        yield client


def _list(client: HttpClient, path: str, **params: str) -> list[dict[str, Any]]:
    limit = 100 if path.startswith("/v1/organization/") else 1000
    data = client.get_json(path, [*params.items(), ("limit", limit)]).data
    assert isinstance(data, dict)
    return list(data["data"])


def _apply(client: HttpClient, action: Any) -> str:
    result = action.execute(client)
    assert action.verify(client), action
    again = action.execute(client)  # idempotent: the second run finds it done
    assert again.outcome is Outcome.ALREADY_DONE
    return str(result.outcome)


def test_anthropic_delete_pending_invite(claude_client: HttpClient) -> None:
    pending = [i for i in _list(claude_client, claude_fetch.INVITES)
               if i["status"] == "pending"]
    assert pending
    action = claude.DeleteInvite(pending[0]["id"])
    assert action.call().method == "DELETE"
    assert _apply(claude_client, action) == "applied"
    remaining = {i["id"] for i in _list(claude_client, claude_fetch.INVITES)}
    assert pending[0]["id"] not in remaining


def test_anthropic_workspace_role_downgrade(claude_client: HttpClient) -> None:
    spaces = [w for w in _list(claude_client, claude_fetch.WORKSPACES)
              if w.get("archived_at") is None]
    member = next(m for w in spaces
                  for m in _list(claude_client, f"{claude_fetch.WORKSPACES}/{w['id']}/members")
                  if m["workspace_role"] in ("workspace_developer", "workspace_admin"))
    action = claude.SetWorkspaceRole(member["workspace_id"], member["user_id"],
                                     "workspace_user")
    assert action.call().body == {"workspace_role": "workspace_user"}
    assert _apply(claude_client, action) == "applied"
    fresh = claude_client.get_json(action.call().path).data
    assert fresh["workspace_role"] == "workspace_user"
    with pytest.raises(ValueError, match="workspace_billing"):
        claude.SetWorkspaceRole("w", "u", "workspace_billing")


def test_anthropic_org_role_downgrade(claude_client: HttpClient) -> None:
    dev = next(u for u in _list(claude_client, claude_fetch.USERS) if u["role"] == "developer")
    action = claude.DowngradeOrgRole(dev["id"], "user")
    assert _apply(claude_client, action) == "applied"
    assert claude_client.get_json(action.call().path).data["role"] == "user"


def test_anthropic_key_inactive_first_then_archived_when_configured(
        claude_client: HttpClient) -> None:
    key = next(k for k in _list(claude_client, claude_fetch.API_KEYS)
               if k["status"] == "active")
    target = Target("claude", "org", "api_key", key["id"], key["name"], "revoke", "test")
    state = {"kind": "api_key", "status": "active"}
    provider = AnthropicProvider()
    default = provider.plan(target, state, task_owner="s@corp.io", task_due="2026-12-08",
                            policy=RevocationConfig())
    assert default.call is not None
    assert default.call.body == {"status": "inactive"}
    assert default.args["reversible"] is True
    assert default.then == ()
    both = provider.plan(target, state, task_owner="s@corp.io", task_due="2026-12-08",
                         policy=RevocationConfig(anthropic_archive_keys=True))
    assert both.args["then"] == "archived"
    assert [p.args["status"] for p in (both, *both.then)] == ["inactive", "archived"]
    for step in (both, *both.then):
        assert _apply(claude_client, provider.action(step.action, step.args)) == "applied"
    fresh = claude_client.get_json(f"{claude_fetch.API_KEYS}/{key['id']}").data
    assert fresh["status"] == "archived"


def test_anthropic_reduce_carries_its_target_role() -> None:
    provider = AnthropicProvider()
    grant = {"account_id": "user_1", "scope_type": ScopeType.WORKSPACE, "scope_id": "wrkspc_1",
             "role": "workspace_admin", "inherited": False}
    chosen = Target("claude", "org", "grant", "g", "g", "reduce", "review",
                    target_role="workspace_developer")
    planned = provider.plan(chosen, grant, task_owner="s", task_due="d",
                            policy=RevocationConfig())
    assert planned.action == "anthropic.set_workspace_role"
    assert planned.args["role"] == "workspace_developer"
    default = provider.plan(Target("claude", "org", "grant", "g", "g", "reduce", "r"), grant,
                            task_owner="s", task_due="d", policy=RevocationConfig())
    assert default.args["role"] == "workspace_user"
    policy = RevocationConfig(reduce_roles={"anthropic.organization": "claude_code_user"})
    seat = provider.plan(Target("claude", "org", "account", "user_1", "a", "reduce", "r"),
                         {"kind": "user"}, task_owner="s", task_due="d", policy=policy)
    assert seat.call is not None
    assert seat.call.body == {"role": "claude_code_user"}
    invite = provider.plan(Target("claude", "org", "invite", "invite_1", "x", "revoke", "r"),
                           {"status": "pending"}, task_owner="s", task_due="d",
                           policy=policy)
    assert invite.call is not None
    assert (invite.call.method, invite.call.path) == ("DELETE",
                                                      "/v1/organizations/invites/invite_1")


def test_openai_owner_to_reader(openai_client: HttpClient) -> None:
    owners = [u for u in _list(openai_client, oai_fetch.USERS) if u["role"] == "owner"]
    assert len(owners) > 1
    planned = OpenAIProvider().plan(
        Target("openai", "org", "account", owners[-1]["id"], "o", "reduce", "review"),
        {"kind": "user"}, task_owner="s", task_due="d", policy=RevocationConfig())
    assert planned.call is not None
    assert (planned.call.method, planned.call.body) == ("POST", {"role": "reader"})
    action = OpenAIProvider().action(planned.action, planned.args)
    assert _apply(openai_client, action) == "applied"
    assert openai_client.get_json(action.call().path).data["role"] == "reader"


def test_openai_project_owner_to_member(openai_client: HttpClient) -> None:
    member = next(m for p in _list(openai_client, oai_fetch.PROJECTS, include_archived="false")
                  for m in [{**u, "project_id": p["id"]} for u in _list(
                      openai_client, f"{oai_fetch.PROJECTS}/{p['id']}/users")]
                  if m["role"] == "owner")
    state = {"account_id": member["id"], "scope_type": ScopeType.WORKSPACE,
             "scope_id": member["project_id"], "role": "owner", "inherited": False}
    planned = OpenAIProvider().plan(
        Target("openai", "org", "grant", "g", "g", "reduce", "review"), state,
        task_owner="s", task_due="d", policy=RevocationConfig())
    assert planned.call is not None
    assert planned.call.path.endswith(f"/projects/{member['project_id']}/users/{member['id']}")
    assert planned.call.body == {"role": "member"}
    action = OpenAIProvider().action(planned.action, planned.args)
    assert _apply(openai_client, action) == "applied"
    assert openai_client.get_json(action.call().path).data["role"] == "member"
    with pytest.raises(ValueError, match="project role"):
        oai.SetProjectRole("p", "u", "admin")


def test_openai_scim_managed_seat_is_revoked_in_the_idp() -> None:
    provider = OpenAIProvider()
    target = Target("openai", "org", "account", "user-1", "a", "revoke", "leaver")
    planned = provider.plan(target, {"kind": "user", "scim_managed": True}, task_owner="s",
                            task_due="d", policy=RevocationConfig())
    assert planned.manual is not None
    assert "identity provider" in planned.manual.why
    plain_seat = provider.plan(target, {"kind": "user"}, task_owner="s", task_due="d",
                               policy=RevocationConfig())
    assert plain_seat.action == "openai.delete_user"
