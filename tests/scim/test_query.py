"""Filters (allowlisted, parameterised) and pagination, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import CORE_GROUP, user_body


def _create(client: TestClient, n: int) -> list[str]:
    ids = []
    for i in range(n):
        body = user_body(f"user{i:02d}@example.com", external_id=f"ext-{i:02d}",
                         active=i % 3 != 0)
        response = client.post("/scim/v2/Users", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _list(client: TestClient, path: str = "/scim/v2/Users", **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body: dict[str, Any] = response.json()
    return body


def test_filters(client: TestClient) -> None:
    ids = _create(client, 6)
    names = lambda body: [r["userName"] for r in body["Resources"]]  # noqa: E731
    assert names(_list(client, filter='userName eq "USER01@example.com"')) == [
        "user01@example.com"]
    assert names(_list(client, filter='externalId eq "ext-02"')) == ["user02@example.com"]
    assert names(_list(client, filter='externalId eq "EXT-02"')) == []  # caseExact
    assert names(_list(client, filter='emails.value eq "user03@example.com"')) == [
        "user03@example.com"]
    assert names(_list(client, filter='emails[value eq "user03@example.com"]')) == [
        "user03@example.com"]
    assert names(_list(
        client, filter='userName sw "user0" and externalId eq "ext-04"')) == [
        "user04@example.com"]
    assert names(_list(client, filter='userName eq "user01@example.com" or '
                                      'externalId eq "ext-05"')) == [
        "user01@example.com", "user05@example.com"]
    assert names(_list(client, filter="active eq false")) == [
        "user00@example.com", "user03@example.com"]
    assert len(names(_list(client, filter="not (active eq false)"))) == 4
    assert names(_list(client, filter=f'id eq "{ids[2]}"')) == ["user02@example.com"]
    assert len(names(_list(client, filter='userName co "@EXAMPLE"'))) == 6
    assert names(_list(client, filter='userName ew "5@example.com"')) == ["user05@example.com"]
    assert len(names(_list(client, filter="externalId pr"))) == 6
    # LIKE wildcards in a value are literal characters, not patterns
    assert names(_list(client, filter='userName co "%"')) == []
    assert names(_list(client, filter='userName sw "_ser"')) == []
    assert names(_list(client, filter=(
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user00@example.com"'))) == [
        "user00@example.com"]


def test_a_filter_value_is_data_not_sql(client: TestClient) -> None:
    _create(client, 2)
    body = _list(client, filter="userName eq \"x' OR '1'='1\"")
    assert body["totalResults"] == 0


def test_pagination(client: TestClient) -> None:
    _create(client, 7)
    first = _list(client, startIndex=1, count=3)
    assert (first["totalResults"], first["startIndex"], first["itemsPerPage"]) == (7, 1, 3)
    second = _list(client, startIndex=4, count=3)
    third = _list(client, startIndex=7, count=3)
    seen = [r["userName"] for page in (first, second, third) for r in page["Resources"]]
    assert seen == [f"user{i:02d}@example.com" for i in range(7)]
    assert _list(client, startIndex=50)["Resources"] == []
    assert _list(client, count=0) == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 7, "startIndex": 1, "itemsPerPage": 0, "Resources": []}
    assert _list(client, startIndex=-4, count=2)["startIndex"] == 1  # < 1 means 1
    assert _list(client, count=-1)["itemsPerPage"] == 0  # negative means 0
    filtered = _list(client, filter='userName sw "user0"', startIndex=2, count=2)
    assert filtered["totalResults"] == 7
    assert [r["userName"] for r in filtered["Resources"]] == [
        "user01@example.com", "user02@example.com"]


def test_search_endpoint(client: TestClient) -> None:
    _create(client, 3)
    response = client.post("/scim/v2/Users/.search", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'userName eq "user02@example.com"', "startIndex": 1, "count": 10,
        "attributes": ["userName"]})
    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 1
    assert set(response.json()["Resources"][0]) == {"schemas", "id", "userName"}


@pytest.mark.parametrize("path", ["/scim/v2/Users/.search", "/scim/v2/Groups/.search"])
def test_a_search_past_any_integer_range_reads_past_the_end(client: TestClient,
                                                            path: str) -> None:
    # Found by the fuzz test: a startIndex beyond a 64-bit integer was a 500 on SQLite.
    _create(client, 2)
    response = client.post(path, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "startIndex": 2**70, "count": 10})
    assert response.status_code == 200, response.text
    assert not response.json().get("Resources")
    assert response.json()["startIndex"] == 2**31 - 1


def test_attributes_and_excluded_attributes(client: TestClient) -> None:
    (uid,) = _create(client, 1)
    group = client.post("/scim/v2/Groups", json={
        "schemas": [CORE_GROUP], "displayName": "Sales", "members": [{"value": uid}]}).json()
    listed = _list(client, "/scim/v2/Groups", excludedAttributes="members")
    assert "members" not in listed["Resources"][0]
    full = client.get(f"/scim/v2/Groups/{group['id']}").json()
    assert full["members"][0]["value"] == uid
    only = client.get(f"/scim/v2/Users/{uid}", params={"attributes": "userName"}).json()
    assert set(only) == {"schemas", "id", "userName"}


@pytest.mark.parametrize("flt", [
    'displayName eq "Sales"', 'displayName eq "sales"', 'externalId eq "g-1"',
    'displayName sw "Sa" and externalId pr'])
def test_group_filters(client: TestClient, flt: str) -> None:
    (uid,) = _create(client, 1)
    client.post("/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "Sales",
                                         "externalId": "g-1"})
    client.post("/scim/v2/Groups", json={"schemas": [CORE_GROUP], "displayName": "Ops",
                                         "members": [{"value": uid}]})
    assert [g["displayName"] for g in _list(client, "/scim/v2/Groups",
                                            filter=flt)["Resources"]] == ["Sales"]
    members = _list(client, "/scim/v2/Groups", filter=f'members.value eq "{uid}"')
    assert [g["displayName"] for g in members["Resources"]] == ["Ops"]
