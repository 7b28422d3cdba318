"""`tenure sponsor set|list` and `tenure nhi list|show|person`: authenticated, ledgered,
validated, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tenure.cli import app as cli_app
from tenure.errors import NotAllowed, NotAuthenticated, TenureError
from tenure.services.context import open_app
from tenure.services.sponsors import set_sponsor
from tenure.store import schema
from tests.checks.builder import Store, person, user
from tests.conftest import FIXED_NOW, make_app, signed_in, user_token

from . import builder as b

AS_OF = FIXED_NOW.isoformat()


@pytest.fixture
def workdir(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TENURE_DATABASE_URL", raising=False)
    (tmp_path / "tenure.toml").write_text(f'[database]\nurl = "{database_url}"\n',
                                          encoding="utf-8")
    app = make_app(database_url)
    store = Store(app)
    store.hr([person("alice@acme.test", manager="boss@acme.test"),
              person("boss@acme.test", manager="")])
    store.platform(accounts=[user("user_alice", "alice@acme.test"),
                             b.service_account("svac_ci", creator="user_alice"),
                             b.service_account("svac_bare")])
    app.close()
    return tmp_path


def _tenure(workdir: Path, *args: str, user: str | None = None, role: str = "admin"
            ) -> tuple[int, str, str]:
    env: dict[str, str | None] = {}
    if user is not None:
        app = open_app(str(workdir / "tenure.toml"))
        try:
            env["TENURE_TOKEN"] = user_token(app, user, role)
        finally:
            app.close()
    result = CliRunner().invoke(
        cli_app, ["--config", str(workdir / "tenure.toml"), "--as-of", AS_OF, *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_sponsor_set_records_the_signed_in_admin(workdir: Path) -> None:
    code, _, err = _tenure(workdir, "sponsor", "set", "svac_bare", "--owner", "boss@acme.test",
                           "--reason", "runs nightly exports")
    assert code == 2
    assert ("sign in" in err.lower() or "tenure login" in err)
    code, _, err = _tenure(workdir, "sponsor", "set", "svac_bare", "--owner", "boss@acme.test",
                           "--reason", "x", user="rev@acme.test", role="reviewer")
    assert code == 2
    assert "admin" in err
    code, out, err = _tenure(workdir, "sponsor", "set", "svac_bare", "--owner", "Boss@Acme.Test",
                             "--reason", "runs nightly exports", user="admin@acme.test")
    assert code == 0, err
    assert "sponsor boss@acme.test" in out
    app = open_app(str(workdir / "tenure.toml"))
    with app.engine.connect() as conn:
        le = schema.ledger_entries
        entry = conn.execute(sa.select(le.c.actor, le.c.payload)
                             .where(le.c.kind == "sponsor.set")).one()
        history = conn.execute(sa.select(schema.sponsor_history)).mappings().all()
    app.close()
    assert entry.actor == "cli:admin@acme.test"
    assert json.loads(entry.payload)["set_by"] == "admin@acme.test"
    assert [(h["event"], h["owner_email"], h["basis"]) for h in history] == [
        ("set", "boss@acme.test", "explicit")]
    code, out, _ = _tenure(workdir, "sponsor", "list", "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["svac_bare"]["basis"] == "explicit"
    assert rows["svac_ci"]["basis"] == "creator"
    assert rows["svac_ci"]["sponsor"] == "alice@acme.test"
    assert rows["svac_ci"]["manager"] == "boss@acme.test"


def test_sponsor_set_validates(workdir: Path) -> None:
    code, _, err = _tenure(workdir, "sponsor", "set", "svac_bare", "--owner", "nobody",
                           "--reason", "x", user="admin@acme.test")
    assert code == 2
    assert "not an email" in err
    code, _, err = _tenure(workdir, "sponsor", "set", "svac_nope", "--owner", "a@acme.test",
                           "--reason", "x", user="admin@acme.test")
    assert code == 2
    assert "no service account" in err
    code, out, _ = _tenure(workdir, "sponsor", "set", "svac_bare", "--owner",
                           "stranger@else.test", "--reason", "x", user="admin@acme.test")
    assert code == 0
    assert "matches no person" in out


def test_nhi_list_show_person(workdir: Path) -> None:
    code, out, _ = _tenure(workdir, "nhi", "list", "--format", "json")
    assert code == 0
    assert {r["id"] for r in json.loads(out)} == {"svac_ci", "svac_bare"}
    code, out, _ = _tenure(workdir, "nhi", "list", "--kind", "agent", "--format", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("name,sponsor,id,")
    code, _, _err = _tenure(workdir, "nhi", "list", "--kind", "robot")
    assert code == 2
    code, out, _ = _tenure(workdir, "nhi", "show", "svac_ci")
    assert code == 0
    assert "sponsor by creator" in out
    assert "alice" in out
    assert "manager" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    code, out, _ = _tenure(workdir, "nhi", "show", "svac_ci", "--format", "json")
    chain = json.loads(out)[0]
    assert chain["sponsor"]["email"] == "alice@acme.test"
    assert chain["manager"]["email"] == "boss@acme.test"
    code, out, _ = _tenure(workdir, "nhi", "person", "alice@acme.test", "--format", "json")
    assert [r["id"] for r in json.loads(out)] == ["svac_ci"]


def test_set_sponsor_service_refuses_the_unauthenticated(database_url: str) -> None:
    app = make_app(database_url)
    Store(app).platform(accounts=[b.service_account("svac_1")])
    with pytest.raises(NotAuthenticated):
        set_sponsor(app, "svac_1", owner="a@acme.test", reason="r")
    with pytest.raises(NotAllowed):
        set_sponsor(signed_in(app, "r@acme.test", "reviewer"), "svac_1", owner="a@acme.test",
                    reason="r")
    with pytest.raises(TenureError):
        set_sponsor(signed_in(app, "ad@acme.test"), "svac_1", owner="a@acme.test", reason=" ")
    app.close()
