"""Authorization matrix (T15, ASVS 8.2.2): every route x every role x someone else's object.

The foreign object is an item assigned to another reviewer (and its subject). A reviewer
must get 404 for it everywhere, an auditor must never change anything, anonymous callers
get nothing, and a new route fails this test until it is added to the matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from .conftest import ADMIN, AUDITOR, ORIGIN, OTHER, REVIEWER, Org, all_routes, sign_in

ANON = "anonymous"
ROLES = {ADMIN: "admin", AUDITOR: "auditor", REVIEWER: "reviewer", ANON: "anonymous"}
OK = "ok"  # any 2xx/3xx success
DENIED_403, HIDDEN_404 = 403, 404
NOT_AUTHZ = "not 401/403"  # allowed by role; the operation may still refuse (400/404)

# (method, route path) -> (request builder, {role: expected})
Build = Callable[[Org], tuple[str, dict[str, Any]]]


def _item(o: Org) -> str:
    return o.foreign_item


def _subject(o: Org) -> str:
    kind, source, sid = o.foreign_subject
    return f"/subjects/{kind}?source={source}&id={sid}"


READ_ALL = {"admin": OK, "auditor": OK, "reviewer": DENIED_403}
ADMIN_WRITE = {"admin": NOT_AUTHZ, "auditor": DENIED_403, "reviewer": DENIED_403}
EVERYONE = {"admin": OK, "auditor": OK, "reviewer": OK}
FOREIGN_READ = {"admin": OK, "auditor": OK, "reviewer": HIDDEN_404}
FOREIGN_DECIDE = {"admin": HIDDEN_404, "auditor": DENIED_403, "reviewer": HIDDEN_404}

API: dict[tuple[str, str], tuple[Build, dict[str, Any]]] = {
    ("GET", "/api/me"): (lambda o: ("/api/me", {}), EVERYONE),
    ("GET", "/api/queue"): (lambda o: ("/api/queue", {}), EVERYONE),
    ("GET", "/api/items/{item_id}"): (lambda o: (f"/api/items/{_item(o)}", {}), FOREIGN_READ),
    ("POST", "/api/items/decide"): (lambda o: ("/api/items/decide", {"json": {
        "item_ids": [_item(o)], "decision": "revoke", "justification": "x"}}), FOREIGN_DECIDE),
    ("POST", "/api/items/delegate"): (lambda o: ("/api/items/delegate", {"json": {
        "item_ids": [_item(o)], "to": "mallory@corp.io", "reason": "x"}}), FOREIGN_DECIDE),
    ("GET", "/api/subjects/{kind}"): (lambda o: ("/api" + _subject(o), {}), FOREIGN_READ),
    ("GET", "/api/findings"): (lambda o: ("/api/findings", {}), READ_ALL),
    ("POST", "/api/findings/{finding_id}/mute"): (lambda o: (
        f"/api/findings/{o.finding_id}/mute", {"json": {"reason": "accepted",
                                                        "until": "2026-12-31"}}), ADMIN_WRITE),
    ("GET", "/api/campaigns"): (lambda o: ("/api/campaigns", {}), READ_ALL),
    ("GET", "/api/campaigns/{campaign_id}"): (lambda o: (f"/api/campaigns/{o.campaign_id}", {}),
                                              READ_ALL),
    ("GET", "/api/campaigns/{campaign_id}/items"): (
        lambda o: (f"/api/campaigns/{o.campaign_id}/items", {}), READ_ALL),
    ("POST", "/api/campaigns/{campaign_id}/close"): (
        lambda o: (f"/api/campaigns/{o.campaign_id}/close", {"json": {"force": False}}),
        ADMIN_WRITE),
    ("GET", "/api/plans"): (lambda o: ("/api/plans", {}), READ_ALL),
    ("GET", "/api/plans/{plan_id}"): (lambda o: (f"/api/plans/{o.plan_id}", {}), READ_ALL),
    ("POST", "/api/plans/{plan_id}/approve"): (lambda o: (f"/api/plans/{o.plan_id}/approve",
                                                          {}), ADMIN_WRITE),
    ("POST", "/api/plans/{plan_id}/apply"): (lambda o: (
        f"/api/plans/{o.plan_id}/apply", {"json": {"approve_hash": "0" * 64}}), ADMIN_WRITE),
    ("GET", "/api/purposes"): (lambda o: ("/api/purposes", {}), READ_ALL),
    ("GET", "/api/tasks"): (lambda o: ("/api/tasks", {}), READ_ALL),
    ("GET", "/api/sources"): (lambda o: ("/api/sources", {}), READ_ALL),
    ("GET", "/api/evidence/verify"): (lambda o: ("/api/evidence/verify", {}), READ_ALL),
    ("POST", "/api/evidence/export"): (lambda o: ("/api/evidence/export", {"json": {
        "campaign": o.campaign_id}}), READ_ALL),
}

PAGES: dict[tuple[str, str], tuple[Build, dict[str, Any]]] = {
    ("GET", "/"): (lambda o: ("/", {}), EVERYONE),
    ("GET", "/queue"): (lambda o: ("/queue", {}), EVERYONE),
    ("POST", "/queue/act"): (lambda o: ("/queue/act", {"data": {
        "item_id": _item(o), "action": "decide", "decision": "revoke",
        "justification": "x"}}), FOREIGN_DECIDE),
    ("GET", "/items/{item_id}"): (lambda o: (f"/items/{_item(o)}", {}), FOREIGN_READ),
    ("GET", "/subjects/{kind}"): (lambda o: (_subject(o), {}), FOREIGN_READ),
    ("GET", "/findings"): (lambda o: ("/findings", {}), READ_ALL),
    ("GET", "/findings/{finding_id}"): (lambda o: (f"/findings/{o.finding_id}", {}), READ_ALL),
    ("POST", "/findings/mute"): (lambda o: ("/findings/mute", {"data": {
        "finding_id": o.finding_id, "reason": "accepted", "until": "2026-12-31"}}),
        ADMIN_WRITE),
    ("GET", "/dashboard"): (lambda o: ("/dashboard", {}), EVERYONE),
    ("GET", "/people"): (lambda o: ("/people", {}), READ_ALL),
    ("GET", "/accounts"): (lambda o: ("/accounts", {}), READ_ALL),
    ("GET", "/keys"): (lambda o: ("/keys", {}), READ_ALL),
    ("GET", "/workspaces"): (lambda o: ("/workspaces", {}), READ_ALL),
    ("GET", "/activity"): (lambda o: ("/activity", {}), READ_ALL),
    ("GET", "/nhi"): (lambda o: ("/nhi", {}), READ_ALL),
    # the served org has no such identity: the reader is let through to a 404
    ("GET", "/nhi/{subject_id}"): (lambda o: ("/nhi/svac_none", {}), {
        "admin": NOT_AUTHZ, "auditor": NOT_AUTHZ, "reviewer": DENIED_403}),
    ("POST", "/nhi/{subject_id}/sponsor"): (lambda o: ("/nhi/svac_none/sponsor", {"data": {
        "owner": "boss@corp.io", "reason": "x"}}), ADMIN_WRITE),
    ("POST", "/findings/{finding_id}/mute"): (lambda o: (
        f"/findings/{o.finding_id}/mute", {"data": {"reason": "accepted",
                                                    "until": "2026-12-31"}}), ADMIN_WRITE),
    ("GET", "/campaigns"): (lambda o: ("/campaigns", {}), READ_ALL),
    ("GET", "/campaigns/{campaign_id}"): (lambda o: (f"/campaigns/{o.campaign_id}", {}),
                                          READ_ALL),
    ("POST", "/campaigns/{campaign_id}/close"): (
        lambda o: (f"/campaigns/{o.campaign_id}/close", {"data": {}}), ADMIN_WRITE),
    ("GET", "/plans"): (lambda o: ("/plans", {}), READ_ALL),
    ("GET", "/plans/{plan_id}"): (lambda o: (f"/plans/{o.plan_id}", {}), READ_ALL),
    ("POST", "/plans/{plan_id}/approve"): (lambda o: (f"/plans/{o.plan_id}/approve",
                                                      {"data": {}}), ADMIN_WRITE),
    ("POST", "/plans/{plan_id}/batches/{batch}/approve"): (
        lambda o: (f"/plans/{o.plan_id}/batches/1/approve", {"data": {}}), ADMIN_WRITE),
    ("POST", "/plans/{plan_id}/apply"): (lambda o: (
        f"/plans/{o.plan_id}/apply", {"data": {"approve_hash": "0" * 64}}), ADMIN_WRITE),
    ("GET", "/sources"): (lambda o: ("/sources", {}), READ_ALL),
    ("GET", "/evidence"): (lambda o: ("/evidence", {}), READ_ALL),
    ("POST", "/evidence/export"): (lambda o: ("/evidence/export", {"data": {
        "campaign": o.campaign_id}}), READ_ALL),
    ("GET", "/account/tokens"): (lambda o: ("/account/tokens", {}), EVERYONE),
    ("POST", "/account/tokens"): (lambda o: ("/account/tokens", {"data": {"name": "x"}}),
                                  EVERYONE),
    # someone else's token (not even an admin revokes it from their own account page)
    ("POST", "/account/tokens/{token_id}/revoke"): (lambda o: (
        f"/account/tokens/{o.tokens[OTHER].split('_')[2]}/revoke",
        {"data": {}}), {"admin": HIDDEN_404, "auditor": HIDDEN_404, "reviewer": HIDDEN_404}),
}
# Sign-in plumbing and public endpoints: not object routes, tested in test_auth/test_oidc.
PUBLIC = {("GET", "/api/health"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
          ("GET", "/login/oidc"), ("GET", "/login/oidc/callback"), ("GET", "/static/{name}"),
          ("GET", "/api/docs"), ("GET", "/api/docs/assets/{name}")}


def test_matrix_covers_every_route(served: Org) -> None:
    missing = all_routes(served.api.routes) - set(API) - set(PAGES) - PUBLIC
    assert not missing, f"routes missing from the authorization matrix: {sorted(missing)}"


def _matches(expected: Any, status: int) -> bool:
    if expected == OK:
        return status < 400
    if expected == NOT_AUTHZ:
        return status not in (401, 403) and status < 500
    return bool(status == expected)


def _call(client: TestClient, method: str, url: str, kw: dict[str, Any],
          headers: dict[str, str]) -> int:
    response = client.request(method, url, headers=headers, follow_redirects=False, **kw)
    return response.status_code


def test_authorization_matrix(served: Org) -> None:
    failures, idor, checked = [], 0, 0
    seen: Counter[tuple[str, int]] = Counter()
    # Admin last: its writes (mute, approve) must not change what the others are judged on.
    for who in (ANON, REVIEWER, AUDITOR, ADMIN):
        role = ROLES[who]
        with TestClient(served.api) as api_client, TestClient(served.api) as page_client:
            bearer = {} if who == ANON else {"Authorization": f"Bearer {served.tokens[who]}"}
            csrf = "" if who == ANON else sign_in(page_client, who)
            for (method, _path), (build, expect) in API.items():
                url, kw = build(served)
                status = _call(api_client, method, url, kw, bearer)
                checked += 1
                seen[role, status] += 1
                want = 401 if who == ANON else expect[role]
                if not _matches(want, status):
                    failures.append((role, method, url, want, status))
                    idor += status < 400
            for (method, _path), (build, expect) in PAGES.items():
                url, kw = build(served)
                if method == "POST":
                    kw = {"data": {**kw["data"], "csrf_token": csrf}}
                status = _call(page_client, method, url, kw, {"Origin": ORIGIN})
                checked += 1
                seen[role, status] += 1
                if who == ANON:
                    ok = status == 303 or (method == "POST" and status == 403)
                    if not ok:
                        failures.append((role, method, url, "login", status))
                    continue
                if not _matches(expect[role], status):
                    failures.append((role, method, url, expect[role], status))
                    idor += status < 400
    assert checked == 4 * (len(API) + len(PAGES))
    # The matrix really exercised each outcome (not every call answering the same thing).
    assert seen["reviewer", 404] >= 6
    assert seen["reviewer", 403] >= 10
    assert seen["auditor", 403] >= 8
    assert seen["admin", 200] >= 15
    print(sorted(seen.items()))
    assert idor == 0, failures
    assert not failures, failures


def test_reviewer_sees_and_decides_own_items_only(served: Org) -> None:
    token = {"Authorization": f"Bearer {served.tokens[REVIEWER]}"}
    with TestClient(served.api) as client:
        queue = client.get("/api/queue", headers=token).json()
        ids = {i["id"] for i in queue["items"]}
        assert served.own_item in ids
        assert served.foreign_item not in ids
        assert all(i["reviewer"] == REVIEWER for i in queue["items"])
        # Mixing one foreign id into a bulk decision refuses the whole batch.
        mixed = client.post("/api/items/decide", headers=token, json={
            "item_ids": [served.own_item, served.foreign_item], "decision": "keep",
            "justification": "still needed"})
        assert mixed.status_code == 404
        assert client.get(f"/api/items/{served.own_item}", headers=token).json()[
            "status"] == "pending"
        done = client.post("/api/items/decide", headers=token, json={
            "item_ids": [served.own_item], "decision": "keep",
            "justification": "still needed"})
        assert done.status_code == 200, done.text
        item = client.get(f"/api/items/{served.own_item}", headers=token).json()
        assert item["decision"] == "keep"
        assert item["history"][0]["by"] == REVIEWER
