"""Service accounts and workload identity federation: the connector against the simulator over
real loopback HTTP, on SQLite and PostgreSQL. The simulator was written from the contract and
shares no code with the connector."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tenure.clock import Clock
from tenure.config import DatabaseConfig, Settings
from tenure.connectors.anthropic import AnthropicConfig
from tenure.connectors.anthropic.config import FederationConfig
from tenure.model import SERVICE_ACCOUNT_TYPE, AccountKind, OwnerKind, RunStatus
from tenure.services.context import App
from tenure.services.findings import run_checks
from tenure.services.sync import run_source
from tenure.simulator import SimulatorServer, start_simulator
from tenure.store import schema
from tests.agent_keys import agent_workspaces
from tests.gaps import read_gaps

from .nhi_plant import github_claims, jwt, plant

pytestmark = pytest.mark.timeout(180)
NHI_TYPES = {SERVICE_ACCOUNT_TYPE, "federation_issuer", "federation_rule"}


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


def sim_app(database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
            **options: Any) -> App:
    monkeypatch.setenv("SIM_ADMIN_KEY", sim.admin_key)
    monkeypatch.setenv("SIM_OAUTH_TOKEN", sim.oauth_token)
    config = AnthropicConfig(name="claude", type="anthropic", base_url=sim.base_url,
                             api_key_env="SIM_ADMIN_KEY", activities=False, usage=False,
                             claude_code=False, backoff_initial_seconds=0.01,
                             backoff_max_seconds=0.1,
                             **{"oauth_page_size": 2,
                                "agent_workspaces": agent_workspaces(sim, monkeypatch.setenv),
                                **options})
    return App(settings=Settings(sources=(config,), database=DatabaseConfig(url=database_url)),
               clock=Clock(), actor="test")


def rows(app: App, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).where(
            table.c.removed_at.is_(None), *where)).mappings()]


def test_service_accounts_and_federation_land(database_url: str, sim: SimulatorServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    app = sim_app(database_url, sim, monkeypatch, oauth_token_env="SIM_OAUTH_TOKEN")
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.complete_types >= NHI_TYPES
        sas = {r["external_id"]: r for r in rows(
            app, schema.accounts, schema.accounts.c.kind == str(AccountKind.SERVICE_ACCOUNT))}
        assert set(sas) == {got.ci, got.admin, got.old, got.idle}
        assert sas[got.old]["status"] == "archived"
        assert sas[got.admin]["role"] == "admin"
        assert sas[got.ci]["attributes"]["description"] == "deploys"
        assert sas[got.idle]["attributes"]["created_by_actor_id"] == got.ci
        grants = {(g["account_id"], g["scope_id"]): g for g in rows(app, schema.grants)
                  if g["account_id"].startswith("svac_")}
        # the implicit default row is inherited; an explicit default row replaces it
        assert grants[(got.ci, got.default_ws)]["inherited"]
        assert grants[(got.ci, got.ws)]["role"] == "workspace_developer"
        assert not grants[(got.idle, got.default_ws)]["inherited"]
        assert grants[(got.idle, got.default_ws)]["role"] == "workspace_developer"
        assert not any(a == got.old for a, _ in grants)  # archived: no access left
        issuers = {r["external_id"]: r for r in rows(app, schema.federation_issuers)}
        assert issuers[got.eks]["jwks_polling_disabled_at"] is not None
        assert not issuers[got.eks]["check_jti"]
        assert issuers[got.eks]["consecutive_failures"] == 12
        rules = {r["external_id"]: r for r in rows(app, schema.federation_rules)}
        assert set(rules) == {got.main_rule, got.listed_rule, got.wild_rule, got.gone_rule}
        assert rules[got.main_rule]["workspace_ids"] == [got.ws]
        assert rules[got.listed_rule]["workspace_ids"] == [got.ws2]  # from the listing only
        assert rules[got.wild_rule]["applies_to_all_workspaces"]
        assert rules[got.wild_rule]["oauth_scope"] == "org:admin"
        assert rules[got.gone_rule]["archived_at"] is not None
        assert rules[got.gone_rule]["workspace_ids"] == []
        key = rows(app, schema.credentials, schema.credentials.c.external_id == got.sa_key)[0]
        assert key["owner_type"] is OwnerKind.SERVICE_ACCOUNT
        assert key["owner_id"] == got.ci  # linked to the service account: never an orphan
        run_checks(app, only=("orphaned-key",))
        with app.engine.connect() as conn:
            orphan = conn.execute(sa.select(schema.findings.c.status).where(
                schema.findings.c.check_id == "orphaned-key",
                schema.findings.c.subject_id == got.sa_key)).scalars().all()
        assert orphan in ([], ["pass"])
        # the per-account listings are kept raw, several to a transaction
        with app.engine.connect() as conn:
            bodies = [json.loads(zlib.decompress(b)) for b in conn.execute(
                sa.select(schema.raw_pages.c.body).where(
                    schema.raw_pages.c.stream == "service_account_workspaces")).scalars()]
        assert len(bodies) == 1
        assert {d["locator"].split("?")[0] for d in bodies[0]} == {
            f"/v1/organizations/service_accounts/{s}/workspaces"
            for s in (got.ci, got.admin, got.idle)}
        assert all(isinstance(d["body"]["data"], list) for d in bodies[0])
        paths = {r.path for r in sim.requests}
        assert f"/v1/organizations/service_accounts/{got.old}/workspaces" not in paths
    finally:
        app.close()


def test_admin_key_only_is_a_gap_per_type_and_keeps_what_was_read(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    app = sim_app(database_url, sim, monkeypatch, oauth_token_env="SIM_OAUTH_TOKEN")
    try:
        assert run_source(app, "claude").status is RunStatus.COMPLETE
    finally:
        app.close()
    before = len(sim.requests)
    app = sim_app(database_url, sim, monkeypatch)
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.PARTIAL
        assert {g.record_type for g in read_gaps(result.gaps)} == NHI_TYPES
        assert all(g.reason == "no OAuth org:admin credential" for g in read_gaps(result.gaps))
        assert not NHI_TYPES & result.complete_types
        assert {"account", "grant", "credential"} <= result.complete_types
        # the users listing was complete; the service accounts were not read: still present
        kept = {r["external_id"] for r in rows(app, schema.accounts)}
        assert {got.ci, got.admin} <= kept
        assert rows(app, schema.federation_rules)
        assert not [r for r in list(sim.requests)[before:]
                    if r.path.startswith("/v1/organizations/service_accounts")]
    finally:
        app.close()


def test_an_admin_key_sent_as_the_oauth_token_is_refused_as_a_gap(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    plant(sim)
    monkeypatch.setenv("SIM_WRONG", sim.admin_key)
    app = sim_app(database_url, sim, monkeypatch, oauth_token_env="SIM_WRONG")
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.PARTIAL
        assert {g.record_type for g in read_gaps(result.gaps)} == NHI_TYPES
        assert all("HTTP 401" in g.reason for g in read_gaps(result.gaps))
    finally:
        app.close()


def test_tenure_authenticates_itself_through_federation(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    got = plant(sim)
    token_file = tmp_path / "oidc-token"
    token_file.write_text(jwt(github_claims(sim, sub="repo:acme/api:pull_request")))
    fed = FederationConfig(rule_id=got.wild_rule, workspace_id="default",
                           service_account_id=got.admin, identity_token_file=str(token_file))
    app = sim_app(database_url, sim, monkeypatch, federation=fed)
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert result.complete_types >= NHI_TYPES
        exchanges = [e for e in got.plane.exchanges if e["outcome"] == "success"]
        assert len(exchanges) == 1  # one exchange served the whole run
        token = [r for r in sim.requests if r.path == "/v1/oauth/token"]
        assert [t.status for t in token] == [200]
    finally:
        app.close()


def test_a_refused_exchange_is_a_gap_with_the_reason(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    monkeypatch.setenv("OIDC_TOKEN", jwt(github_claims(sim, sub="repo:evil/api:main")))
    fed = FederationConfig(rule_id=got.main_rule, identity_token_env="OIDC_TOKEN")
    app = sim_app(database_url, sim, monkeypatch, federation=fed)
    try:
        result = run_source(app, "claude")
        assert {g.record_type for g in read_gaps(result.gaps)} == NHI_TYPES
        assert all(g.reason == "OAuth credential refused" for g in read_gaps(result.gaps))
        assert "invalid_grant" in read_gaps(result.gaps)[0].detail
        assert got.plane.exchanges[-1]["reason"] == "subject does not match"
    finally:
        app.close()


def test_a_vanished_cursor_restarts_the_membership_listing(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    path = f"/v1/organizations/service_accounts/{got.ci}/workspaces"
    seen: list[str] = []
    vanished: list[str] = []

    class Vanishing(httpx.HTTPTransport):
        """After the first page of one listing, the membership its cursor names goes."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.url.path == path:
                seen.append(str(request.url.params.get("page")))
                if len(seen) == 1:
                    response.read()
                    last = json.loads(response.content)["data"][-1]["workspace_id"]
                    vanished.append(last)
                    got.plane.memberships.pop((got.ci, last))
            return response

    from tenure.connectors.anthropic.connector import AnthropicConnector

    monkeypatch.setattr(AnthropicConnector, "__init__", _with_transport(Vanishing()))
    app = sim_app(database_url, sim, monkeypatch, oauth_token_env="SIM_OAUTH_TOKEN",
                  oauth_page_size=1)
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.COMPLETE, (result.error, result.gaps)
        assert seen[0] == "None"
        assert seen[1] != "None"
        assert seen[2] == "None"  # 400 on the vanished cursor: started over
        grants = {g["scope_id"] for g in rows(app, schema.grants)
                  if g["account_id"] == got.ci}
        assert vanished[0] not in grants
        assert ({got.ws, got.ws2} - set(vanished)) <= grants
        assert got.default_ws in grants  # the implicit row rode on page 1 of the restart
    finally:
        app.close()


def _with_transport(transport: httpx.BaseTransport) -> Any:
    from tenure.connectors.anthropic import fetch

    def init(self: Any, config: AnthropicConfig, http: Any = None) -> None:
        self.config = config
        self.http = fetch.HttpOptions(transport=transport)
        self._clients = []

    return init


def test_the_minted_token_is_re_exchanged_before_it_expires(sim: SimulatorServer) -> None:
    from tenure.connectors.anthropic.oauth import ExchangeRefused, OAuthCredential
    from tenure.connectors.http import HttpClient

    got = plant(sim)
    now = int(sim.state.now().timestamp())
    assertion = jwt({"iss": "https://oidc.eks.example", "sub": "system:serviceaccount:batch",
                     "aud": "https://api.anthropic.com", "namespace": "batch",
                     "iat": now - 5, "exp": now + 3000})
    clock = [0.0]
    fed = FederationConfig(rule_id=got.listed_rule, identity_token_env="X")
    with HttpClient(sim.base_url, headers={"anthropic-version": "2023-06-01"}) as exchange:
        cred = OAuthCredential(federation=fed, assertion=lambda: assertion, exchange=exchange,
                               organization_id=str(sim.scenario.org["id"]),
                               monotonic=lambda: clock[0])
        first = cred.access_token()
        assert cred.exchanges == 1  # lifetime: the rule's 3600 s
        clock[0] = 3600 - 125  # expires_in is whole seconds (3599 or 3600)
        assert cred.access_token() == first
        assert cred.exchanges == 1
        clock[0] = 3600 - 100  # advisory window: re-exchange
        second = cred.access_token()
        assert second != first
        assert cred.exchanges == 2
        got.plane.rules[got.listed_rule].archived_at = 0.0  # exchanges now fail
        clock[0] += 3600 - 100  # advisory again: the refusal keeps the current token
        assert cred.access_token() == second
        clock[0] += 80  # 20 s left: mandatory, and the refusal is an error
        with pytest.raises(ExchangeRefused):
            cred.access_token()


def test_a_token_without_org_admin_is_a_403_gap_per_type(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    got = plant(sim)
    monkeypatch.setenv("OIDC_TOKEN", jwt(github_claims(sim)))
    # the rule mints workspace:developer: the exchange succeeds, the org plane refuses it
    fed = FederationConfig(rule_id=got.main_rule, identity_token_env="OIDC_TOKEN")
    app = sim_app(database_url, sim, monkeypatch, federation=fed)
    try:
        result = run_source(app, "claude")
        assert result.status is RunStatus.PARTIAL
        assert {g.record_type for g in read_gaps(result.gaps)} == NHI_TYPES
        assert all(g.reason == "permission_error (HTTP 403)" for g in read_gaps(result.gaps))
        assert [e["outcome"] for e in got.plane.exchanges] == ["success"]
    finally:
        app.close()


def test_the_federation_checks_judge_what_was_read(
        database_url: str, sim: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from tenure.checks.registry import load_builtin_checks

    checks = ("federation-rule-broad-match", "federation-rule-privileged",
              "federation-issuer-unhealthy")
    if not all(c in load_builtin_checks() for c in checks):
        pytest.skip("the federation checks are not registered in this tree")
    got = plant(sim)
    app = sim_app(database_url, sim, monkeypatch, oauth_token_env="SIM_OAUTH_TOKEN")
    try:
        assert run_source(app, "claude").status is RunStatus.COMPLETE
        run_checks(app, only=checks)
        with app.engine.connect() as conn:
            failing = {(r.check_id, r.subject_id) for r in conn.execute(
                sa.select(schema.findings.c.check_id, schema.findings.c.subject_id).where(
                    schema.findings.c.check_id.in_(checks),
                    schema.findings.c.status == "fail"))}
        assert failing == {("federation-rule-broad-match", got.wild_rule),
                           ("federation-rule-privileged", got.wild_rule),
                           ("federation-issuer-unhealthy", got.eks)}
    finally:
        app.close()
