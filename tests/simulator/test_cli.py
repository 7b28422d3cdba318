"""``tenure simulator serve`` and ``generate`` from the command line, and hand-written files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tenure.cli import app
from tenure.simulator import start_simulator
from tests.simulator.conftest import VERSION

TENURE = str(Path(sys.executable).parent / "tenure")


def test_generate_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulator", "generate", "--people", "25", "--seed", "4",
                                      "--events", "500", "--as-of", "2026-11-25",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "planted problems" in result.output
    assert json.loads((tmp_path / "planted.json").read_text())
    bad = CliRunner().invoke(app, ["simulator", "generate", "--people", "5",
                                   "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0


def test_serve_prints_url_and_keys() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([TENURE, "simulator", "serve", "--port", "0", "--seed", "3",
                             "--admin-key", "sk-ant-admin01-test", "--page-cap", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = {}
        while "compliance_key" not in lines:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            key, _, value = line.partition(":")
            lines[key.strip()] = value.strip()
        assert lines["admin_key"] == "sk-ant-admin01-test"
        resp = httpx.get(f"{lines['base_url']}/v1/organizations/users", params={"limit": 50},
                         headers={"x-api-key": "sk-ant-admin01-test",
                                  "anthropic-version": VERSION})
        assert resp.status_code == 200
        assert len(resp.json()["data"]) == 2  # --page-cap reached the server
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_hand_written_scenario_file(tmp_path: Path) -> None:
    doc = {
        "anchor": "2026-11-25T00:00:00Z",
        "org": {"id": "11111111-2222-4333-8444-555555555555", "name": "Tiny",
                "compliance_id": "org_01Tiny"},
        "users": [{"id": "user_01A", "email": "a@x.example", "name": "A", "role": "admin",
                   "added_at": -86400 * 100},
                  {"id": "user_01B", "email": "b@x.example", "name": "B", "role": "developer",
                   "added_at": "2026-01-01T00:00:00Z"}],
        "workspaces": [{"id": "wrkspc_01W", "name": "W", "created_at": -86400 * 200}],
        "members": [{"workspace_id": "wrkspc_01W", "user_id": "user_01B",
                     "workspace_role": "workspace_developer"}],
        "api_keys": [{"id": "apikey_01K", "name": "k", "workspace_id": "wrkspc_01W",
                      "created_at": -86400 * 40, "created_by": "user_01B"}],
        "activities": [{"created_at": -3600, "type": "sso_login_succeeded",
                        "actor": {"type": "user_actor", "email_address": "b@x.example",
                                  "user_id": "user_01B"}},
                       {"created_at": -7200, "type": "api_key_created", "api_key_id": "apikey_01K",
                        "actor": {"type": "user_actor", "email_address": "b@x.example",
                                  "user_id": "user_01B"}}],
        "usage": [{"day": -1, "api_key_id": "apikey_01K", "model": "claude-x",
                   "uncached_input_tokens": 10, "output_tokens": 5}],
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(doc))
    with start_simulator(path) as sim:
        headers = {"x-api-key": sim.admin_key, "anthropic-version": VERSION}
        feed = httpx.get(f"{sim.base_url}/v1/compliance/activities", headers=headers).json()
        assert [a["type"] for a in feed["data"]] == ["sso_login_succeeded", "api_key_created"]
        assert feed["data"][0]["created_at"] == "2026-11-24T23:00:00Z"
        users = httpx.get(f"{sim.base_url}/v1/organizations/users", headers=headers).json()
        assert [u["id"] for u in users["data"]] == ["user_01B", "user_01A"]  # by added_at
        usage = httpx.get(f"{sim.base_url}/v1/organizations/usage_report/messages",
                          params={"starting_at": "2026-11-24T00:00:00Z",
                                  "ending_at": "2026-11-25T00:00:00Z",
                                  "group_by[]": "api_key_id"}, headers=headers).json()
        assert usage["data"][0]["results"][0]["output_tokens"] == 5
