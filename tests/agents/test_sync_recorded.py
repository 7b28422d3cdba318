"""The managed-agent streams through the real engine, over loopback HTTP, from recorded pages:
per-workspace keys, the beta header on every call, Gaps for a workspace without a credential
or refused, and no write-only secret anywhere in the store, the raw pages or the logs."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tenure.config import Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.connectors.anthropic.config import AgentWorkspace
from tenure.model import RunStatus
from tenure.services.context import App
from tenure.services.sync import run_source
from tenure.store import schema
from tests.conftest import make_app
from tests.connectors.fakevendor import ADMIN_KEY, FakeAnthropic, Query, Reply, error, loopback
from tests.gaps import read_gaps

pytestmark = pytest.mark.timeout(120)

DATA = Path(__file__).parent.parent / "data" / "anthropic" / "agents"
PROD = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"  # the active workspace of the recorded org
OTHER = "wrkspc_03Extra0000000000000000"
PROD_KEY = "sk-ant-api03-TESTCANARY-prod-workspace-0123456789"
OTHER_KEY = "sk-ant-api03-TESTCANARY-other-workspace-0123456789"
AGENT_TYPES = {"agent", "agent_environment", "agent_deployment", "vault", "vault_credential"}
LEAKED = "LEAKED"


def page(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


class AgentVendor:
    """The recorded org (FakeAnthropic) plus one workspace's managed-agent plane."""

    def __init__(self) -> None:
        self.admin = FakeAnthropic()
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.refuse_other = 403

    def __call__(self, method: str, path: str, query: Query, headers: dict[str, str],
                 body: bytes) -> Reply:
        if path.startswith("/v1/organizations"):
            return self.admin(method, path, query, headers, body)
        self.calls.append((method, path, headers))
        key = headers.get("x-api-key")
        if key == OTHER_KEY:
            return error(self.refuse_other, "permission_error", "not for this key")
        if key != PROD_KEY:
            return error(401, "authentication_error", "invalid x-api-key")
        if "managed-agents-2026-04-01" not in headers.get("anthropic-beta", ""):
            return error(400, "invalid_request_error", "beta header required")
        if method != "GET":
            return error(405, "invalid_request_error", "read only")
        if path.endswith("/mcp_oauth_validate"):
            return error(500, "api_error", "a sync must never validate")
        names = {"/v1/agents": "agents", "/v1/environments": "environments",
                 "/v1/deployments": "deployments", "/v1/deployment_runs": "runs",
                 "/v1/vaults": "vaults",
                 "/v1/vaults/vlt_01Prod000000000000000000001/credentials": "credentials"}
        if path in names:
            doc = page(names[path])
            if path == "/v1/deployment_runs":
                dep = query.get("deployment_id", [""])[-1]
                doc = {**doc, "data": [r for r in doc["data"] if r["deployment_id"] == dep]}
            return Reply(body=doc)
        if path.startswith("/v1/vaults/") and path.endswith("/credentials"):
            return Reply(body={"data": [], "next_page": None})
        return error(404, "not_found_error")


@pytest.fixture
def vendor() -> AgentVendor:
    return AgentVendor()


@pytest.fixture
def make(database_url: str, vendor: AgentVendor, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[Any]:
    monkeypatch.setenv("T_ADMIN", ADMIN_KEY)
    monkeypatch.setenv("T_PROD", PROD_KEY)
    monkeypatch.setenv("T_OTHER", OTHER_KEY)
    apps: list[App] = []
    with loopback(vendor) as url:
        def build(*workspaces: AgentWorkspace) -> App:
            config = AnthropicConfig(
                name="claude", type="anthropic", base_url=url, api_key_env="T_ADMIN",
                activities=False, usage=False, claude_code=False, agent_workspaces=workspaces,
                service_accounts=False, workload_identity=False,
                backoff_initial_seconds=0.001, backoff_max_seconds=0.01)
            app = make_app(database_url, Settings(sources=(config,)))
            apps.append(app)
            return app

        yield build
        for app in apps:
            app.close()


def _everything_stored(app: App) -> str:
    """Every row of every table and every raw page, decompressed, as one text."""
    parts: list[str] = []
    with app.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)).mappings():
                for value in row.values():
                    if isinstance(value, bytes):
                        parts.append(zlib.decompress(value).decode("utf-8", "replace"))
                    else:
                        parts.append(repr(value))
    return "\n".join(parts)


def test_recorded_plane_lands_with_policies_status_and_no_secret(
        make: Any, vendor: AgentVendor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = make(AgentWorkspace(workspace_id=PROD, api_key_env="T_PROD"))
    result = run_source(app, "claude")
    # The recorded pages hold a record without an id and two unusable deployments.
    assert result.status is RunStatus.PARTIAL, result.error
    assert {g.record_type for g in read_gaps(result.gaps)} == {"agent", "agent_deployment"}
    assert {g.reason for g in read_gaps(result.gaps)} == {"quarantined vendor record"}
    assert {"agent_environment", "vault", "vault_credential"} <= result.complete_types
    assert result.notes["managed_agent_unknown_shape_count"] >= 4
    with app.engine.connect() as conn:
        agents = {r["external_id"]: r for r in conn.execute(sa.select(schema.agents)).mappings()}
        assert len(agents) == 4
        assert {r["workspace_id"] for r in agents.values()} == {PROD}
        bash = next(t for t in agents["agent_01SdkShape00000000000001"]["tools"]
                    if t["name"] == "bash")
        assert bash == {"toolset": "agent_toolset", "name": "bash", "enabled": True,
                        "permission_policy": "always_allow", "changes_things": True,
                        "mcp_server_name": None}
        creds = dict(conn.execute(sa.select(schema.vault_credentials.c.external_id,
                                            schema.vault_credentials.c.status)).all())
        assert creds["vcrd_01Expired0000000000000001"] == "expired"
        assert creds["vcrd_05Archived000000000000005"] == "archived"
        deps = {r["external_id"]: r for r in
                conn.execute(sa.select(schema.agent_deployments)).mappings()}
        assert deps["depl_02Paused000000000000000002"]["last_run_error"] == \
            "vault_archived_error"
    # Every managed-agents call carried the beta header; none validated a credential.
    assert vendor.calls
    assert all("managed-agents-2026-04-01" in h.get("anthropic-beta", "")
               for _, _, h in vendor.calls)
    assert not [p for _, p, _ in vendor.calls if "validate" in p]
    runs = [p for _, p, _ in vendor.calls if p == "/v1/deployment_runs"]
    assert len(runs) == 4  # one per live deployment listed (the archived one is skipped)
    # A write-only field on a recorded page reaches neither the store, the raw pages nor a log.
    assert LEAKED not in _everything_stored(app)
    assert LEAKED not in caplog.text
    assert PROD_KEY not in _everything_stored(app)


def test_workspace_without_credential_is_a_gap_not_an_empty_list(make: Any) -> None:
    app = make()  # the org lists an active workspace; none is configured
    result = run_source(app, "claude")
    assert result.status is RunStatus.PARTIAL
    gaps = {g.record_type: g for g in read_gaps(result.gaps)}
    assert set(gaps) == AGENT_TYPES
    assert not AGENT_TYPES & result.complete_types


def test_unlisted_workspace_refused_or_unset_key_are_gaps(
        make: Any, vendor: AgentVendor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("T_UNSET", raising=False)
    app = make(AgentWorkspace(workspace_id=PROD, api_key_env="T_PROD"),
               AgentWorkspace(workspace_id=OTHER, api_key_env="T_OTHER"),
               AgentWorkspace(workspace_id="wrkspc_04Unset", api_key_env="T_UNSET"))
    result = run_source(app, "claude")
    details = [g.detail for g in result.gaps if g.record_type == "agent"]
    assert any(OTHER in d and "HTTP 403" in d for d in details)
    assert any("T_UNSET" in d for d in details)
    assert not AGENT_TYPES & result.complete_types
    # The readable workspace still landed.
    with app.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.agents)
                            ).scalar_one() == 4
    vendor.refuse_other = 404
    result = run_source(app, "claude")
    assert any("HTTP 404" in g.detail for g in result.gaps)
