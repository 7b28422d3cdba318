"""The Claude Enterprise part of ``tenure demo``: one effective-access path through a group.

A second simulated organization (Claude Enterprise, RBAC groups and custom roles) is synced
into its own embedded store next to the demo's (``enterprise.db``), and the most telling path
is printed ("admin via group Platform-Admins → role Org Admin, pushed by Okta": the identity
provider's push, ``idp_push.json``, goes through Tenure's SCIM service first). Only the demo
imports this module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tenure.clock import Clock
from tenure.config import load_settings
from tenure.services import effective_access
from tenure.services.context import App

ENV = {"admin": "TENURE_DEMO_ENTERPRISE_ADMIN_KEY",
       "compliance": "TENURE_DEMO_ENTERPRISE_COMPLIANCE_KEY",
       "analytics": "TENURE_DEMO_ENTERPRISE_ANALYTICS_KEY",
       "oauth": "TENURE_DEMO_ENTERPRISE_OAUTH_TOKEN"}

CONFIG = """\
# Written by `tenure demo`: a Claude Enterprise organization served by the local simulator.
[database]
url = "sqlite:///{db}"

[[sources]]
name = "okta"
type = "scim"

[[sources]]
name = "claude-enterprise"
type = "anthropic"
base_url = "{base_url}"
api_key_env = "{admin}"
compliance_api_key_env = "{compliance}"
analytics_api_key_env = "{analytics}"
oauth_token_env = "{oauth}"
rbac = true
directory = true
analytics = true
"""


def enterprise_path(directory: Path, seed: int) -> tuple[Path, str, str] | None:
    """Sync the Enterprise demo org; (its config, account, path in words), or None."""
    from tenure.services.sync import run_source
    from tenure.simulator import start_simulator

    sim = start_simulator("enterprise", seed=seed, workdir=directory / "enterprise-scenario")
    try:
        keys = {"admin": sim.admin_key, "compliance": sim.compliance_key or sim.admin_key,
                "analytics": sim.analytics_key, "oauth": sim.oauth_token}
        for name, env in ENV.items():
            os.environ[env] = keys[name]
        config = directory / "enterprise.toml"
        config.write_text(CONFIG.format(db=(directory / "enterprise.db").resolve().as_posix(),
                                        base_url=sim.base_url, **ENV), encoding="utf-8")
        app = App(settings=load_settings(config), clock=Clock(), actor="demo")
        try:
            assert sim.scenario.path is not None
            push_idp(app, json.loads((sim.scenario.path / "idp_push.json").read_text()))
            result = run_source(app, "claude-enterprise")
            if result.error:
                raise RuntimeError(f"demo sync of the Enterprise org failed: {result.error}")
            with app.engine.connect() as conn:
                shown = effective_access.example(conn)
        finally:
            app.close()
    finally:
        sim.stop()
    return None if shown is None else (config, shown[0], shown[1])


def push_idp(app: App, doc: dict[str, Any]) -> None:
    """What the identity provider pushes to Tenure's SCIM receiver (``idp_push.json``), through
    the SCIM service, as the IdP's named push identity."""
    from scim2_models import Context

    from tenure.services import scim, scim_groups
    from tenure.services.scim_types import POLICY, ScimGroup, ScimUser

    caller = scim.Caller(source=doc["source"], actor=f"scim:{doc['source']}:demo-push")
    ids: dict[str, str] = {}
    for user in doc["users"]:
        stored = scim.create_user(app, caller, ScimUser.model_validate({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user["userName"], "externalId": user["externalId"],
            "displayName": user["displayName"], "active": user["active"],
            "emails": [{"primary": True, "value": user["email"], "type": "work"}]},
            scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY))
        ids[user["email"]] = stored.id
    for group in doc["groups"]:
        scim_groups.create_group(app, caller, ScimGroup.model_validate({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": group["displayName"], "externalId": group["externalId"],
            "members": [{"value": ids[m]} for m in group["members"]]},
            scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY))
