"""REST bodies with lone surrogates or control characters are stored replaced, never a 500;
a number of more than 4,300 digits is a 422 like any malformed body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tenure.services import web_views

from .conftest import REVIEWER, Org


def test_lone_surrogate_in_a_justification_is_stored_replaced(served: Org) -> None:
    headers = {"Authorization": f"Bearer {served.tokens[REVIEWER]}",
               "Content-Type": "application/json"}
    body = ('{"item_ids":["ITEM"],"decision":"keep","justification":"still needed \\ud800 '
            '\\u001b]8;;https://evil.example\\u0007"}').replace("ITEM", served.own_item).encode()
    with TestClient(served.api, raise_server_exceptions=False) as client:
        response = client.post("/api/items/decide", content=body, headers=headers)
        assert response.status_code == 200, response.text
        huge = ('{"item_ids":["ITEM"],"decision":"keep","justification":NUMBER}'
                .replace("ITEM", served.own_item).replace("NUMBER", "9" * 5000)).encode()
        refused = client.post("/api/items/decide", content=huge, headers=headers)
        assert refused.status_code == 422, refused.text
        assert client.get("/api/me", headers=headers).status_code == 200
    history = web_views.item_history(served.app, served.own_item)
    text = repr(history)
    assert "still needed \ufffd \ufffd]8;;https://evil.example\ufffd" in text
    assert "\\x1b" not in text
    assert "\\ud800" not in text
