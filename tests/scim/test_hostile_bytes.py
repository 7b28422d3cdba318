"""Lone surrogates (``"\\ud800"``, valid JSON) and control characters in SCIM names,
departments and filters are stored replaced and recorded on the push, never a 500; a number of
more than 4,300 digits is a clean 400 and the keep-alive connection keeps working (real HTTP)."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.services.context import App
from tenure.store import schema

from ..conftest import make_app, signed_in
from .conftest import CORE_USER, ENTERPRISE, rows
from .server import tenure_serve

HEADERS = {"Content-Type": "application/scim+json"}


def _user(name: str, department: str) -> bytes:
    # Written by hand: json.dumps would refuse nothing, but the escapes must reach the wire
    # exactly as an IdP could send them.
    return ('{"schemas":["CORE","EXT"],"userName":"ada@corp.io","name":{"givenName":"NAME",'
            '"familyName":"T"},"emails":[{"value":"ada@corp.io","primary":true}],'
            '"active":true,"EXT":{"department":"DEPT"}}').replace("CORE", CORE_USER).replace(
                "EXT", ENTERPRISE).replace("NAME", name).replace("DEPT", department).encode()


def test_surrogates_and_controls_in_name_department_and_filter(scim_app: App,
                                                                client: TestClient) -> None:
    created = client.post("/scim/v2/Users", content=_user("A\\ud800da", "Eng\\u001b[2J"))
    assert created.status_code == 201, created.text
    person = rows(scim_app, schema.people)[0]
    assert person["name"] == "A\ufffdda T"
    assert person["department"] == "Eng\ufffd[2J"
    run = rows(scim_app, schema.sync_runs, schema.sync_runs.c.source == "scim")[0]
    assert run["status"] == "partial"
    assert {p["field"] for p in run["stats"]["unsafe_text_replaced"]} == {
        "name.givenName", f"{ENTERPRISE}.department"}
    entry = rows(scim_app, schema.ledger_entries,
                 schema.ledger_entries.c.kind == "scim.user.created")[0]
    assert "unsafe_text_replaced" in entry["payload"]
    search = client.post("/scim/v2/Users/.search", content=(
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],'
        b'"filter":"userName eq \\"a\\ud800\\""}'))
    assert search.status_code == 200, search.text
    assert search.json()["totalResults"] == 0
    listed = client.get("/scim/v2/Users?filter=userName%20eq%20%22a%ED%A0%80%22")
    assert listed.status_code == 200
    patched = client.patch(f"/scim/v2/Users/{created.json()['id']}", content=(
        b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":'
        b'[{"op":"replace","path":"title","value":"\\udfff\\u0007boss"}]}'))
    assert patched.status_code == 200, patched.text
    assert rows(scim_app, schema.people)[0]["title"] == "\ufffd\ufffdboss"


def test_huge_integer_is_a_clean_400_and_keep_alive_survives(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tenure.db'}"
    config = tmp_path / "tenure.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    from tenure.services.scim_tokens import create_token

    app = make_app(url)
    token = create_token(signed_in(app, "admin@corp.io"))[1]
    app.close()
    huge = ('{"schemas":["CORE"],"userName":"c@corp.io","active":true,"x":NUMBER}'
            .replace("CORE", CORE_USER).replace("NUMBER", "9" * 5000)).encode()
    with tenure_serve(config) as base, httpx.Client(
            base_url=f"{base}/scim/v2", timeout=30,
            headers={"Authorization": f"Bearer {token}", **HEADERS}) as http:
        for _ in range(2):
            refused = http.post("/Users", content=huge)
            assert refused.status_code == 400
            assert refused.json()["scimType"] == "invalidSyntax"
            assert refused.headers["content-type"].startswith("application/scim+json")
            after = http.get("/Users")  # same connection (httpx keeps it alive)
            assert after.status_code == 200
        also = http.get("/Users", params={"startIndex": "9" * 5000})
        assert also.status_code == 400
        assert http.get("/Users").status_code == 200
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.scim_users)
                            ).scalar_one() == 0
    engine.dispose()
