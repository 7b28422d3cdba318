"""The simulated OAuth plane against the contract (vendor-apis-nhi.md §1-3), over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tenure.simulator import SimulatorServer, start_simulator
from tenure.simulator.anthropic_nhi_sa import DEFAULT_OAUTH_TOKEN, Membership, Rule
from tests.connectors.nhi_plant import Planted, github_claims, jwt, plant

ORG = "/v1/organizations"
BETAS = "oauth-2025-04-20,oidc-federation-2026-04-01"


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    with start_simulator("default", seed=3) as server:
        yield server


@pytest.fixture
def planted(sim: SimulatorServer) -> Planted:
    return plant(sim)


@pytest.fixture
def http(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers={
            "authorization": f"Bearer {sim.oauth_token}", "anthropic-beta": "oauth-2025-04-20",
            "anthropic-version": "2023-06-01"}) as client:
        yield client


def exchange(sim: SimulatorServer, rule: str, assertion: str, **extra: Any) -> httpx.Response:
    body = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion,
            "federation_rule_id": rule, "organization_id": sim.scenario.org["id"], **extra}
    return httpx.post(f"{sim.base_url}/v1/oauth/token", json=body,
                      headers={"anthropic-beta": BETAS})


def test_only_an_oauth_bearer_with_the_beta_reaches_the_plane(
        sim: SimulatorServer, planted: Planted, http: httpx.Client) -> None:
    admin = httpx.get(f"{sim.base_url}{ORG}/service_accounts",
                      headers={"x-api-key": sim.admin_key, "anthropic-version": "2023-06-01"})
    assert admin.status_code == 403
    assert admin.json()["error"]["type"] == "permission_error"
    for path in ("/federation_rules", "/federation_issuers"):
        assert httpx.get(f"{sim.base_url}{ORG}{path}", headers={
            "x-api-key": sim.admin_key, "anthropic-version": "2023-06-01"}).status_code == 403
    no_beta = httpx.get(f"{sim.base_url}{ORG}/service_accounts", headers={
        "authorization": f"Bearer {sim.oauth_token}", "anthropic-version": "2023-06-01"})
    assert no_beta.status_code == 401
    assert http.get(f"{ORG}/service_accounts?beta=true").status_code == 200  # ?beta ignored


def test_family_b_pages_on_next_page_with_has_more_too(
        planted: Planted, http: httpx.Client) -> None:
    ids: list[str] = []
    page: str | None = None
    while True:
        doc = http.get(f"{ORG}/service_accounts", params={
            "limit": 1, "include_archived": "true", **({"page": page} if page else {})}).json()
        ids += [s["id"] for s in doc["data"]]
        assert doc["has_more"] is (doc["next_page"] is not None)
        page = doc["next_page"]
        if page is None:
            break
    assert sorted(ids) == sorted([planted.ci, planted.admin, planted.old, planted.idle])
    live = http.get(f"{ORG}/service_accounts").json()["data"]
    assert planted.old not in {s["id"] for s in live}  # archived only with include_archived


def test_sa_side_list_shows_the_implicit_row_first_beyond_the_limit(
        planted: Planted, http: httpx.Client) -> None:
    first = http.get(f"{ORG}/service_accounts/{planted.ci}/workspaces", params={"limit": 1})
    rows = first.json()["data"]
    assert len(rows) == 2
    assert rows[0]["implicit"] is True
    assert rows[0]["workspace_id"] == planted.default_ws
    nxt = first.json()["next_page"]
    gone = rows[1]["workspace_id"]
    http.delete(f"{ORG}/service_accounts/{planted.ci}/workspaces/{gone}")
    vanished = http.get(f"{ORG}/service_accounts/{planted.ci}/workspaces",
                        params={"limit": 1, "page": nxt})
    assert vanished.status_code == 400
    side = http.get(f"{ORG}/workspaces/{planted.default_ws}/service_accounts").json()["data"]
    assert planted.ci not in {r["service_account_id"] for r in side}  # implicit omitted
    got = http.get(f"{ORG}/workspaces/{planted.default_ws}/service_accounts/{planted.ci}")
    assert got.json()["implicit"] is True
    archived = http.get(f"{ORG}/service_accounts/{planted.old}/workspaces").json()
    assert archived == {"data": [], "next_page": None, "has_more": False}


def test_the_implicit_default_membership_cannot_be_removed(
        planted: Planted, http: httpx.Client) -> None:
    gone = http.delete(f"{ORG}/service_accounts/{planted.ci}/workspaces/{planted.default_ws}")
    assert gone.status_code == 200
    assert gone.json()["type"] == "service_account_workspace_member_deleted"
    rows = http.get(f"{ORG}/service_accounts/{planted.ci}/workspaces").json()["data"]
    assert rows[0]["implicit"] is True  # still there
    # an explicit default row falls back to the implicit workspace_user row
    http.delete(f"{ORG}/service_accounts/{planted.idle}/workspaces/{planted.default_ws}")
    rows = http.get(f"{ORG}/service_accounts/{planted.idle}/workspaces").json()["data"]
    assert rows == [{"type": "service_account_workspace_member",
                     "service_account_id": planted.idle, "workspace_id": planted.default_ws,
                     "workspace_role": "workspace_user", "implicit": True}]
    assert http.post(f"{ORG}/service_accounts/{planted.ci}/workspaces", json={
        "workspace_id": planted.ws, "workspace_role": "workspace_billing"}).status_code == 400


def test_the_vendors_refusals(planted: Planted, http: httpx.Client) -> None:
    refused = http.post(f"{ORG}/service_accounts/{planted.ci}/archive")
    assert refused.status_code == 400
    assert planted.main_rule in refused.json()["error"]["message"]
    assert http.post(f"{ORG}/federation_issuers/{planted.github}/archive").status_code == 400
    # an org:admin rule is managed from the Console only
    assert http.post(f"{ORG}/federation_rules/{planted.wild_rule}/archive").status_code == 403
    first: dict[str, str] = {}
    for rule in (planted.main_rule, planted.listed_rule):
        archived = http.post(f"{ORG}/federation_rules/{rule}/archive").json()
        first[rule] = archived["archived_at"]
        assert archived["archived_at"] is not None
        assert archived["workspace_ids"] == []
        assert archived["workspace_id"] is None
        assert http.get(f"{ORG}/federation_rules/{rule}/workspaces").json()["data"] == []
    again = http.post(f"{ORG}/federation_rules/{planted.main_rule}/archive").json()
    assert again["archived_at"] == first[planted.main_rule]  # idempotent, time kept
    done = http.post(f"{ORG}/service_accounts/{planted.ci}/archive")
    assert done.status_code == 200
    assert done.json()["archived_at"] is not None
    assert http.get(f"{ORG}/service_accounts/{planted.ci}/workspaces").json()["data"] == []
    assert http.post(f"{ORG}/service_accounts/{planted.ci}", json={
        "description": "x"}).status_code == 400


def test_rule_workspaces_are_one_page(planted: Planted, http: httpx.Client) -> None:
    doc = http.get(f"{ORG}/federation_rules/{planted.main_rule}/workspaces",
                   params={"limit": 1, "page": "ignored"}).json()
    assert doc["next_page"] is None
    assert [r["workspace_id"] for r in doc["data"]] == [planted.ws]
    enabled = http.post(f"{ORG}/federation_rules/{planted.main_rule}/workspaces",
                        json={"workspace_id": planted.ws2}).json()
    assert enabled["workspace_name"] is None
    listed = http.get(f"{ORG}/federation_rules/{planted.main_rule}/workspaces").json()["data"]
    assert {r["workspace_id"] for r in listed} == {planted.ws, planted.ws2}
    assert all(r["workspace_name"] for r in listed)


def test_token_exchange_checks(sim: SimulatorServer, planted: Planted) -> None:
    good = jwt(github_claims(sim, jti="j1"))
    ok = exchange(sim, planted.main_rule, good)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "workspace:developer"
    assert 60 <= body["expires_in"] <= 900  # the rule's lifetime caps it
    replay = exchange(sim, planted.main_rule, good)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert planted.plane.exchanges[-1]["reason"] == "jti replayed"
    cases = {
        "iss does not equal the issuer URL": github_claims(sim, iss="https://evil"),
        "subject does not match": github_claims(sim, sub="repo:acme/api:ref:refs/heads/dev"),
        "audience does not match": github_claims(sim, aud="someone-else"),
        "the assertion has expired": github_claims(sim, exp=1),
        "the assertion lives longer than the issuer allows": github_claims(
            sim, iat=github_claims(sim)["iat"] - 7200),
    }
    for reason, claims in cases.items():
        refused = exchange(sim, planted.main_rule, jwt(claims))
        assert refused.status_code == 400
        assert refused.json() == {"error": "invalid_grant",
                                  "error_description": "The assertion was rejected."}
        assert planted.plane.exchanges[-1]["reason"] == reason
    assert exchange(sim, "fdrl_01Nope", good).json()["error"] == "invalid_grant"
    one_beta = httpx.post(f"{sim.base_url}/v1/oauth/token", json={},
                          headers={"anthropic-beta": "oauth-2025-04-20"})
    assert one_beta.json()["error"] == "invalid_request"


def test_exchange_workspace_choice_membership_and_minted_token(
        sim: SimulatorServer, planted: Planted) -> None:
    wild = jwt(github_claims(sim, sub="repo:acme/api:pull_request"))
    many = exchange(sim, planted.wild_rule, wild)  # all workspaces: must choose
    assert many.json()["error"] == "invalid_request"
    not_member = exchange(sim, planted.wild_rule, wild, workspace_id=planted.ws)
    assert not_member.json()["error"] == "invalid_grant"
    assert planted.plane.exchanges[-1]["reason"] == (
        "the service account is not a member of the workspace")
    minted = exchange(sim, planted.wild_rule, wild, workspace_id="default")
    assert minted.status_code == 200
    token = minted.json()["access_token"]
    listed = httpx.get(f"{sim.base_url}{ORG}/federation_rules", headers={
        "authorization": f"Bearer {token}", "anthropic-beta": "oauth-2025-04-20",
        "anthropic-version": "2023-06-01"})
    assert listed.status_code == 200
    # a workspace:developer token does not have org:admin
    dev = exchange(sim, planted.main_rule, jwt(github_claims(sim))).json()["access_token"]
    assert httpx.get(f"{sim.base_url}{ORG}/service_accounts", headers={
        "authorization": f"Bearer {dev}", "anthropic-beta": "oauth-2025-04-20",
        "anthropic-version": "2023-06-01"}).status_code == 403
    # demoting the admin SA makes its org:admin rule fail at exchange
    planted.plane.service_accounts[planted.admin].organization_role = "developer"
    assert exchange(sim, planted.wild_rule, wild, workspace_id="default").status_code == 400


def test_rules_need_a_real_constraint_and_legacy_rules_skip_membership(
        sim: SimulatorServer, planted: Planted, http: httpx.Client) -> None:
    weak = http.post(f"{ORG}/federation_rules", json={
        "name": "weak", "issuer_id": planted.github, "match": {"audience": "x"},
        "oauth_scope": "workspace:developer", "workspace_id": planted.ws,
        "target": {"type": "service_account", "service_account_id": planted.ci}})
    assert weak.status_code == 400
    planted.plane.add_rule(Rule("fdrl_01Legacy", "legacy", planted.github,
                                {"subject_prefix": "repo:acme/api:ref:refs/heads/main"},
                                planted.idle, "workspace:developer", workspace_id=planted.ws2))
    assert (planted.idle, planted.ws2) not in planted.plane.memberships
    assert exchange(sim, "fdrl_01Legacy", jwt(github_claims(sim))).status_code == 200
    planted.plane.add_membership(Membership(planted.idle, planted.ws, "workspace_user"))


def test_a_scenario_document_plants_the_plane(tmp_path: Any) -> None:
    import json

    from tenure.simulator import generate
    from tenure.simulator.generate import Options
    from tenure.simulator.scenario import load

    generate(tmp_path, Options(people=20, seed=5))
    doc = json.loads((tmp_path / "scenario.json").read_text())
    user = doc["users"][0]["id"]
    ws = doc["workspaces"][0]["id"]
    doc["nhi_sa"] = {
        "service_accounts": [{"id": "svac_01Doc", "name": "doc-sa", "organization_role": "admin",
                              "created_at": -86400, "created_by_actor_id": user}],
        "memberships": [{"service_account_id": "svac_01Doc", "workspace_id": ws,
                         "workspace_role": "workspace_developer"}],
        "federation_issuers": [{"id": "fdis_01Doc", "name": "gh",
                                "issuer_url": "https://gh.example", "check_jti": False,
                                "jwks_polling_disabled_at": "2026-01-01T00:00:00Z",
                                "consecutive_failures": 9}],
        "federation_rules": [{"id": "fdrl_01Doc", "name": "wild", "issuer_id": "fdis_01Doc",
                              "match": {"subject_prefix": "repo:org/repo:*"},
                              "service_account_id": "svac_01Doc", "oauth_scope": "org:admin",
                              "applies_to_all_workspaces": True, "created_at": -3600}],
        "oauth_tokens": [{"token": "sk-ant-oat01-doc-token", "user_id": user}],
    }
    (tmp_path / "scenario.json").write_text(json.dumps(doc))
    with start_simulator(load(tmp_path)) as sim:
        headers = {"authorization": "Bearer sk-ant-oat01-doc-token",
                   "anthropic-beta": "oauth-2025-04-20", "anthropic-version": "2023-06-01"}
        sas = httpx.get(f"{sim.base_url}{ORG}/service_accounts", headers=headers).json()
        assert [s["created_by_actor_id"] for s in sas["data"]] == [user]
        rows = httpx.get(f"{sim.base_url}{ORG}/service_accounts/svac_01Doc/workspaces",
                         headers=headers).json()["data"]
        assert [r["workspace_id"] for r in rows][1:] == [ws]
        issuer = httpx.get(f"{sim.base_url}{ORG}/federation_issuers/fdis_01Doc",
                           headers=headers).json()
        assert issuer["check_jti"] is False
        assert issuer["jwks_polling_disabled_at"].startswith("2026-01-01")
        assert issuer["poll_status"]["next_poll_at"] is None
        rule = httpx.get(f"{sim.base_url}{ORG}/federation_rules/fdrl_01Doc",
                         headers=headers).json()
        assert rule["applies_to_all_workspaces"] is True
        assert rule["target"]["service_account_name"] == "doc-sa"
        # the scenario's own tokens replace the default one
        assert sim.oauth_token == "sk-ant-oat01-doc-token"
        assert httpx.get(f"{sim.base_url}{ORG}/service_accounts", headers={
            **headers, "authorization": f"Bearer {DEFAULT_OAUTH_TOKEN}"}).status_code == 401
