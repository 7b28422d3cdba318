"""Fixtures for the SCIM receiver: the real app (in-process) on both databases, a token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.api import create_app
from tenure.services.context import App
from tenure.services.scim_tokens import create_token
from tenure.store import schema

from ..conftest import make_app, signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "scim"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def scim_app(database_url: str) -> Iterator[App]:
    """An App on a fresh store (SQLite and PostgreSQL)."""
    application = make_app(database_url)
    yield application
    application.close()


@pytest.fixture
def token(scim_app: App) -> str:
    """A bearer token for the implicit ``scim`` source."""
    return create_token(signed_in(scim_app, "scim-admin@corp.io"))[1]


@pytest.fixture
def client(scim_app: App, token: str) -> Iterator[TestClient]:
    """The real FastAPI app, in-process, sending the bearer token."""
    with TestClient(create_app(scim_app), raise_server_exceptions=False) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        test_client.headers["Content-Type"] = "application/scim+json"
        yield test_client


def user_body(user_name: str, *, email: str | None = None, external_id: str | None = None,
              department: str | None = None, manager: str | None = None,
              active: bool = True) -> dict[str, Any]:
    """A User payload in the shape Okta sends."""
    body: dict[str, Any] = {
        "schemas": [CORE_USER, ENTERPRISE], "userName": user_name,
        "name": {"givenName": user_name.split("@")[0].title(), "familyName": "Test"},
        "emails": [{"primary": True, "value": email or user_name, "type": "work"}],
        "active": active,
    }
    if external_id:
        body["externalId"] = external_id
    ext: dict[str, Any] = {}
    if department:
        ext["department"] = department
    if manager:
        ext["manager"] = {"value": manager}
    if ext:
        body[ENTERPRISE] = ext
    return body


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def rows(app: App, table: sa.Table, *where: sa.ColumnElement[bool],
         order: Any = None) -> list[dict[str, Any]]:
    """Every row of ``table`` (filtered), as dicts."""
    query = sa.select(table).where(*where)
    if order is not None:
        query = query.order_by(order)
    with app.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def changes(app: App) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """(person, kind, field, old, new) of every person change, in order."""
    c = schema.person_changes
    return [(r["person_email"], r["kind"], r["field"], r["old_value"], r["new_value"])
            for r in rows(app, c, order=c.c.id)]


def ledger_kinds(app: App) -> list[str]:
    """Ledger entry kinds in sequence order."""
    t = schema.ledger_entries
    return [r["kind"] for r in rows(app, t, order=t.c.seq)]


_PLACEHOLDER = re.compile(r"\{(users|groups)\.([a-z0-9_]+)\}")


def replay(client: TestClient, name: str) -> dict[str, str]:
    """Replay a recorded request sequence (tests/data/scim/<name>.json); returns alias → id.

    A step is ``{"request": "POST /Users", "body": …, "status": 201, "save": "users.ada"}``;
    ``{users.ada}`` anywhere in a later path or body is replaced by that resource's id.
    """
    steps = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))["steps"]
    ids: dict[str, str] = {}

    def fill(value: str) -> str:
        return _PLACEHOLDER.sub(lambda m: ids[f"{m.group(1)}.{m.group(2)}"], value)

    for index, step in enumerate(steps):
        method, _, path = step["request"].partition(" ")
        body = step.get("body")
        content = fill(json.dumps(body)).encode() if body is not None else None
        response = client.request(method, "/scim/v2" + fill(path), content=content)
        assert response.status_code == step["status"], (
            f"step {index} ({step['request']}): {response.status_code} {response.text}")
        if "save" in step:
            ids[step["save"]] = response.json()["id"]
        for key, expected in step.get("expect", {}).items():
            assert response.json()[key] == expected, (index, key, response.json())
    return ids
