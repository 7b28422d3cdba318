"""CSRF (T15): every state-changing route refuses a request made with the session cookie
when the CSRF token is missing or wrong, or when the Origin is another site — and changes
nothing. Bearer-token calls carry no ambient credential and need no CSRF token."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from tenure.store import schema

from .conftest import ADMIN, ORIGIN, PASSWORD, Org, all_routes, sign_in
from .test_authz import API, PAGES

EVIL = "https://evil.example"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _ledger_size(o: Org) -> int:
    with o.app.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(
            schema.ledger_entries)).scalar_one())


def test_every_state_changing_route_checks_csrf(served: Org) -> None:
    unsafe = {(m, p) for m, p in all_routes(served.api.routes) if m in UNSAFE}
    covered = {k for k in (*API, *PAGES) if k[0] in UNSAFE} | {("POST", "/login"),
                                                                 ("POST", "/logout")}
    assert unsafe == covered, sorted(unsafe ^ covered)
    before = _ledger_size(served)
    refused = 0
    with TestClient(served.api) as client:
        token = sign_in(client, ADMIN)
        for (method, _path), (build, _expect) in {**API, **PAGES}.items():
            if method not in UNSAFE:
                continue
            url, kw = build(served)
            is_api = url.startswith("/api/")
            attempts: list[tuple[dict[str, str], str | None]] = [
                ({"Origin": ORIGIN}, None),  # no token
                ({"Origin": ORIGIN}, "x" + token[1:]),  # wrong token
                ({"Origin": EVIL}, token),  # right token, foreign origin
                ({"Referer": EVIL + "/page"}, token),  # no Origin, foreign Referer
            ]
            for headers, presented in attempts:
                send = dict(headers)
                body = dict(kw)
                if is_api and presented is not None:
                    send["X-CSRF-Token"] = presented
                elif not is_api:
                    body = {"data": {**kw["data"], **({"csrf_token": presented}
                                                      if presented else {})}}
                response = client.request(method, url, headers=send, follow_redirects=False,
                                          **body)
                assert response.status_code == 403, (url, headers, presented,
                                                     response.status_code)
                refused += 1
        # Sign-in and sign-out forms too (login CSRF, forced logout).
        for url, data in (("/login", {"email": ADMIN, "password": PASSWORD}),
                          ("/logout", {})):
            assert client.post(url, data=data, headers={"Origin": ORIGIN}).status_code == 403
            assert client.post(url, data={**data, "csrf_token": token},
                               headers={"Origin": EVIL}).status_code == 403
        assert client.get("/api/me").status_code == 200  # still signed in
        # The same call with the right token and origin is accepted.
        ok = client.post(f"/api/findings/{served.finding_id}/mute",
                         json={"reason": "accepted risk", "until": "2026-12-31"},
                         headers={"Origin": ORIGIN, "X-CSRF-Token": token})
        assert ok.status_code == 200, ok.text
    assert refused >= 4 * 12
    assert _ledger_size(served) == before + 1  # only the accepted mute was recorded


def test_bearer_calls_need_no_csrf_token(served: Org) -> None:
    with TestClient(served.api) as client:
        response = client.post(f"/api/findings/{served.finding_id}/mute",
                               json={"reason": "accepted risk", "until": "2026-12-31"},
                               headers={"Authorization": f"Bearer {served.tokens[ADMIN]}",
                                        "Origin": EVIL})
        assert response.status_code == 200, response.text
