"""Hypothesis fuzzing of SCIM request bodies, paths and query strings: never a 500, every
failure a SCIM Error (T11/T15).

On SQLite each run sends over 10,000 generated requests (T11's floor for importers); the
PostgreSQL variant runs fewer, since the dialect matters for the queries, not for parsing.
``TENURE_FUZZ_EXAMPLES`` sets the per-test count for both (a nightly job raises it)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import CORE_GROUP, CORE_USER, ENTERPRISE, PATCH_OP, user_body

_OVERRIDE = os.environ.get("TENURE_FUZZ_EXAMPLES")


def examples(database_url: str) -> int:
    """Examples per fuzz test on this database."""
    if _OVERRIDE:
        return int(_OVERRIDE)
    return 1800 if database_url.startswith("sqlite") else 150


def fuzz(database_url: str) -> settings:
    """Hypothesis settings for one fuzz test (deterministic, no deadline)."""
    return settings(max_examples=examples(database_url), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
                    st.sampled_from(["False", "True", "", "ada@example.com", "00u1"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12)

ATTRIBUTES = ["userName", "externalId", "name", "displayName", "title", "active", "emails",
              "password", "groups", "id", "meta", "schemas", ENTERPRISE, "roles", "members",
              "phoneNumbers", "addresses", "nickName", "locale", "x-unknown"]
PATHS = ["active", "userName", "title", "displayName", "name.givenName", "emails",
         'emails[type eq "work"].value', 'emails[type eq "work"]', "emails.value",
         f"{ENTERPRISE}:department", f"{ENTERPRISE}:manager", f"{ENTERPRISE}:manager.value",
         f"{ENTERPRISE}:employeeNumber", "members", 'members[value eq "x"]', "id", "meta",
         "externalId", "urn:bogus:attr", "emails[", "]", "name..x", 'emails[type eq "work"'
         " and value co \"@\"].primary"]

plausible = {
    "userName": st.one_of(st.text(max_size=30), st.emails().map(str)),
    "emails": st.lists(st.fixed_dictionaries({}, optional={
        "value": st.one_of(st.emails().map(str), scalars), "type": st.sampled_from(
            ["work", "home", "other", 7]), "primary": st.one_of(st.booleans(), scalars)}),
        max_size=3),
    ENTERPRISE: st.fixed_dictionaries({}, optional={
        "department": scalars, "employeeNumber": scalars,
        "manager": st.one_of(scalars, json_values, st.fixed_dictionaries(
            {"value": scalars}))}),
    "active": st.one_of(st.booleans(), scalars),
    "schemas": st.one_of(st.just([CORE_USER, ENTERPRISE]), st.just([CORE_GROUP]),
                         st.lists(st.text(max_size=20), max_size=2)),
}
resource_bodies = st.dictionaries(
    st.sampled_from(ATTRIBUTES), json_values, max_size=6).flatmap(
    lambda base: st.fixed_dictionaries(
        {k: plausible.get(k, st.just(v)) for k, v in base.items()}))
operations = st.fixed_dictionaries({}, optional={
    "op": st.one_of(st.sampled_from(["add", "Add", "replace", "Replace", "remove", "Remove",
                                     "ADD"]), scalars),
    "path": st.one_of(st.sampled_from(PATHS), st.text(max_size=30), scalars),
    "value": st.one_of(json_values, resource_bodies, plausible["emails"],
                       plausible[ENTERPRISE], st.lists(st.fixed_dictionaries(
                           {"value": scalars}), max_size=3)),
})
patch_bodies = st.fixed_dictionaries({"Operations": st.one_of(
    st.lists(operations, max_size=4), json_values)}, optional={
    "schemas": st.one_of(st.just([PATCH_OP]), json_values)})


def check(response: httpx.Response) -> None:
    """Never a server error; every error is a SCIM Error document."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body: dict[str, Any] = response.json()
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], body
        assert body["status"] == str(response.status_code)


def _send(client: TestClient, method: str, path: str, body: Any) -> httpx.Response:
    content = json.dumps(body, allow_nan=True).encode()
    return client.request(method, path, content=content)


def _seed(client: TestClient) -> tuple[str, str]:
    user = client.post("/scim/v2/Users", json=user_body("seed@example.com", department="Eng"))
    uid = user.json()["id"]
    group = client.post("/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "G",
                                                 "members": [{"value": uid}]})
    return uid, group.json()["id"]


def test_fuzz_create_and_replace(client: TestClient, database_url: str) -> None:
    uid, gid = _seed(client)

    @fuzz(database_url)
    @given(body=resource_bodies, target=st.sampled_from(["Users", "Groups"]))
    def run(body: dict[str, Any], target: str) -> None:
        check(_send(client, "POST", f"/scim/v2/{target}", body))
        check(_send(client, "PUT", f"/scim/v2/{target}/{uid if target == 'Users' else gid}",
                    body))
    run()


def test_fuzz_patch(client: TestClient, database_url: str) -> None:
    uid, gid = _seed(client)

    @fuzz(database_url)
    @given(body=patch_bodies, target=st.sampled_from(["Users", "Groups"]))
    def run(body: dict[str, Any], target: str) -> None:
        check(_send(client, "PATCH", f"/scim/v2/{target}/{uid if target == 'Users' else gid}",
                    body))
    run()


filters = st.one_of(st.text(max_size=60), st.builds(
    lambda a, op, v, joiner, b: f"{a} {op} {json.dumps(v)}{joiner}{b}",
    st.sampled_from(["userName", "externalId", "emails.value", "active", "id", "title",
                     "emails[value", "members.value", "displayName", "meta.created", "a.b.c"]),
    st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "pr", "xx"]), scalars,
    st.sampled_from(["", " and ", " or ", ") ", " and not ("]),
    st.sampled_from(["", 'userName eq "x"', "active pr", "("])))


def test_fuzz_queries(client: TestClient, database_url: str) -> None:
    _seed(client)

    @fuzz(database_url)
    @given(flt=filters, start=st.one_of(st.none(), st.text(max_size=6), st.integers()),
           count=st.one_of(st.none(), st.text(max_size=6), st.integers()),
           attrs=st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
               ["userName", "members", "emails.value", "name.givenName,title"])),
           target=st.sampled_from(["Users", "Groups"]))
    def run(flt: str, start: Any, count: Any, attrs: Any, target: str) -> None:
        params = {k: str(v) for k, v in {"filter": flt, "startIndex": start, "count": count,
                                         "attributes": attrs}.items() if v is not None}
        check(client.get(f"/scim/v2/{target}", params=params))
        check(_send(client, "POST", f"/scim/v2/{target}/.search", {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": flt, "startIndex": start, "count": count}))
    run()


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_fuzz_resource_ids(client: TestClient, method: str, database_url: str) -> None:
    @settings(max_examples=max(20, examples(database_url) // 5), deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(resource_id=st.text(min_size=1, max_size=80).filter(lambda s: "/" not in s
                                                              and s not in (".", "..")))
    def run(resource_id: str) -> None:
        check(_send(client, method, f"/scim/v2/Users/{quote(resource_id, safe='')}",
                    user_body("x@example.com")))
    run()
