"""Containment of Anthropic non-human identities: service accounts, their workspace
memberships and workload identity federation rules (vendor-apis-nhi.md §3.5).

- **Service account, revoke**: archive every live rule that targets it first (the vendor
  refuses to archive a service account a live rule targets), then archive it, then set its
  active keys ``inactive`` (Admin API; archiving the account is not documented to stop them).
  **Reduce**: set its ``organization_role`` to ``developer`` (its ``org:admin`` rules then fail
  at exchange).
- **Federation rule**: archive it (exchange stops at once; tokens already minted run out).
- **Service-account membership** (a grant): remove it, or set a lesser workspace role. The
  implicit default-workspace membership cannot be removed — the plan says so and points at
  archiving the service account.

These calls need the OAuth ``org:admin`` credential; where the source has none, and for rules
whose scope an API caller may not manage (``org:admin``: Console only), the step is a manual
task for the identity's sponsor (else the configured task owner) naming the Console page.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from tenure.actions.plan import Call, ManualTask, Target
from tenure.actions.providers import Planned, VendorAction
from tenure.config import RevocationConfig, SourceConfig
from tenure.connectors.anthropic import actions as admin_actions
from tenure.connectors.anthropic import fetch, nhi_sync
from tenure.connectors.anthropic import nhi_actions as oauth_actions
from tenure.connectors.anthropic.config import AnthropicConfig
from tenure.connectors.http import HttpClient
from tenure.errors import TenureError
from tenure.model import AccountKind, NhiKind, ScopeType

CONSOLE_SERVICE_ACCOUNTS = "Console → Settings → Service accounts"
CONSOLE_WORKLOAD_IDENTITY = "Console → Settings → Workload identity"
API_MANAGEABLE_SCOPES = frozenset({"workspace:developer", "workspace:inference"})
"""Rule scopes an OAuth caller may archive; others need a Console session (§3)."""
LEAST_SA_WORKSPACE_ROLE = "workspace_user"
OAUTH = "oauth"
ADMIN = "admin"


class AnthropicClients:
    """The clients of one Anthropic source at apply time: the Admin API client and, when an
    action needs it, the OAuth ``org:admin`` client (opened on first use)."""

    def __init__(self, config: AnthropicConfig, env: Mapping[str, str]) -> None:
        self.config = config
        self.env = env
        self._stack = ExitStack()
        self._admin: HttpClient | None = None
        self._oauth: HttpClient | None = None

    def __enter__(self) -> AnthropicClients:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def admin(self) -> HttpClient:
        """The Admin API client."""
        if self._admin is None:
            self._admin = self._stack.enter_context(
                fetch.make_client(self.config, fetch.admin_key(self.config, self.env)))
        return self._admin

    @property
    def oauth(self) -> HttpClient:
        """The OAuth plane's client (a supplied token, or minted through federation)."""
        if self._oauth is None:
            cfg = self.config
            if not nhi_sync.oauth_configured(cfg):
                raise TenureError(f"source {cfg.name}: no OAuth org:admin credential is "
                                  "configured (oauth_token_env or [federation])")
            org_id = cfg.federation.organization_id if cfg.federation else None
            if cfg.federation is not None and org_id is None:
                org_id = str(fetch.AdminReader(self.admin, 1, 1).organization()["id"])
            extra: list[HttpClient] = []
            cred = nhi_sync.credential(cfg, self.env, org_id or "", fetch.HttpOptions(), extra)
            for client in extra:
                self._stack.callback(client.close)
            self._oauth = self._stack.enter_context(
                nhi_sync.oauth_client(cfg, fetch.HttpOptions(), cred))
        return self._oauth


@dataclass(frozen=True, slots=True)
class OnPlane:
    """An action run on the client of its credential plane."""

    action: Any
    plane: str = ADMIN

    @property
    def kind(self) -> str:
        """The wrapped action's name."""
        return str(self.action.kind)

    def call(self) -> Any:
        """The wrapped action's vendor call."""
        return self.action.call()

    def _client(self, client: Any) -> Any:
        if isinstance(client, AnthropicClients):
            return client.oauth if self.plane == OAUTH else client.admin
        return client  # a bare client handed in directly (tests)

    def execute(self, client: Any) -> Any:
        """Run the action on its plane's client."""
        return self.action.execute(self._client(client))

    def verify(self, client: Any) -> bool:
        """Verify on its plane's client."""
        return bool(self.action.verify(self._client(client)))


def _planned(action: Any, args: dict[str, Any], plane: str) -> Planned:
    call = action.call()
    return Planned(action.kind, {**args, "plane": plane},
                   Call(call.method, call.path, call.body))


def _manual(why: str, state: Mapping[str, Any], owner: str, due: str) -> Planned:
    sponsor = state.get("sponsor")
    who = f" Accountable: {sponsor}." if sponsor else " No sponsor is recorded for it."
    return Planned("manual", {}, None, ManualTask(owner=str(sponsor or owner), due=due,
                                                  why=why + who))


def _no_oauth(source: SourceConfig | None) -> str | None:
    if isinstance(source, AnthropicConfig) and nhi_sync.oauth_configured(source):
        return None
    name = source.name if source is not None else "this source"
    return (f"Tenure has no OAuth org:admin credential for {name} (set oauth_token_env or "
            "[federation]), so it cannot do this through the API")


def _rule_step(rule_id: str, name: str, scope: str, state: Mapping[str, Any],
               source: SourceConfig | None, owner: str, due: str) -> Planned:
    blocked = _no_oauth(source)
    if blocked is None and any(p not in API_MANAGEABLE_SCOPES for p in scope.split()):
        blocked = (f"rules minting {scope!r} can only be managed from a Console session, "
                   "not through the API")
    if blocked is not None:
        return _manual(f"archive federation rule {name} ({rule_id}) in "
                       f"{CONSOLE_WORKLOAD_IDENTITY}: {blocked}.", state, owner, due)
    return _planned(oauth_actions.ArchiveFederationRule(rule_id),
                    {"rule_id": rule_id, "rule_name": name,
                     "why": "exchange stops at once; tokens already minted run until expiry"},
                    OAUTH)


def _chain(steps: list[Planned]) -> Planned:
    first, *rest = steps
    return Planned(first.action, first.args, first.call, first.manual, then=tuple(rest))


def plan_nhi(target: Target, state: Mapping[str, Any], *, source: SourceConfig | None,
             task_owner: str, task_due: str, policy: RevocationConfig) -> Planned | None:
    """The steps for an NHI target, or None when ``target`` is not one."""
    if target.kind == str(NhiKind.SERVICE_ACCOUNT):
        return _service_account(target, state, source, task_owner, task_due)
    if target.kind == str(NhiKind.WORKLOAD_IDENTITY):
        return _rule_step(target.subject_id, str(state.get("name") or target.subject_id),
                          str(state.get("oauth_scope") or ""), state, source, task_owner,
                          task_due)
    if target.kind == "grant" and state.get("account_kind") == str(AccountKind.SERVICE_ACCOUNT):
        return _membership(target, state, source, task_owner, task_due)
    return None


def _service_account(target: Target, state: Mapping[str, Any], source: SourceConfig | None,
                     owner: str, due: str) -> Planned:
    sa_id = target.subject_id
    blocked = _no_oauth(source)
    if target.operation == "reduce":
        if blocked is not None:
            return _manual(f"set service account {sa_id} to organization role developer in "
                           f"{CONSOLE_SERVICE_ACCOUNTS}: {blocked}.", state, owner, due)
        return _planned(oauth_actions.SetServiceAccountRole(sa_id, "developer"),
                        {"service_account_id": sa_id, "role": "developer",
                         "why": "its org:admin rules then fail at exchange"}, OAUTH)
    steps = [_rule_step(str(r["id"]), str(r["name"]), str(r["oauth_scope"]), state, source,
                        owner, due) for r in state.get("live_rules", [])]
    if blocked is not None:
        steps.append(_manual(f"archive service account {sa_id} in {CONSOLE_SERVICE_ACCOUNTS} "
                             f"after its federation rules: {blocked}.", state, owner, due))
    else:
        steps.append(_planned(oauth_actions.ArchiveServiceAccount(sa_id),
                              {"service_account_id": sa_id,
                               "after_rules": [r["id"] for r in state.get("live_rules", [])],
                               "why": "the vendor refuses while a live rule targets it; "
                                      "archiving ends its implicit default membership"},
                              OAUTH))
    for key_id in state.get("active_keys", []):
        steps.append(_planned(admin_actions.SetKeyStatus(str(key_id), "inactive"),
                              {"api_key_id": key_id, "status": "inactive", "reversible": True,
                               "why": "a key the service account owns"}, ADMIN))
    return _chain(steps)


def _membership(target: Target, state: Mapping[str, Any], source: SourceConfig | None,
                owner: str, due: str) -> Planned:
    sa_id = str(state.get("account_id"))
    if ScopeType(str(state.get("scope_type"))) is ScopeType.ORGANIZATION:
        reduced = Target(**{**_fields(target), "kind": str(NhiKind.SERVICE_ACCOUNT),
                            "subject_id": sa_id, "operation": "reduce"})
        return _service_account(reduced, state, source, owner, due)
    ws = str(state.get("scope_id"))
    if state.get("inherited"):
        return _manual(f"service account {sa_id} keeps its implicit default-workspace "
                       f"membership ({ws}): no call removes it; only archiving the service "
                       f"account (after its federation rules) ends it.", state, owner, due)
    blocked = _no_oauth(source)
    if blocked is not None:
        return _manual(f"remove service account {sa_id} from workspace {ws} in "
                       f"{CONSOLE_SERVICE_ACCOUNTS}: {blocked}.", state, owner, due)
    if target.operation == "reduce":
        role = target.target_role or LEAST_SA_WORKSPACE_ROLE
        return _planned(oauth_actions.SetServiceAccountWorkspaceRole(sa_id, ws, role),
                        {"service_account_id": sa_id, "workspace_id": ws, "role": role}, OAUTH)
    return _planned(oauth_actions.RemoveServiceAccountWorkspace(sa_id, ws),
                    {"service_account_id": sa_id, "workspace_id": ws,
                     "why": "an explicit default-workspace row falls back to the implicit "
                            "workspace_user membership"}, OAUTH)


def _fields(target: Target) -> dict[str, Any]:
    return {name: getattr(target, name) for name in target.__dataclass_fields__}


def nhi_action(name: str, args: Mapping[str, Any]) -> VendorAction | None:
    """Rebuild an NHI action from a plan step (None when ``name`` is not one)."""
    builders: dict[str, Any] = {
        "anthropic.archive_federation_rule": lambda: oauth_actions.ArchiveFederationRule(
            str(args["rule_id"])),
        "anthropic.archive_service_account": lambda: oauth_actions.ArchiveServiceAccount(
            str(args["service_account_id"])),
        "anthropic.set_service_account_role": lambda: oauth_actions.SetServiceAccountRole(
            str(args["service_account_id"]), str(args["role"])),
        "anthropic.remove_service_account_workspace":
            lambda: oauth_actions.RemoveServiceAccountWorkspace(
                str(args["service_account_id"]), str(args["workspace_id"])),
        "anthropic.set_service_account_workspace_role":
            lambda: oauth_actions.SetServiceAccountWorkspaceRole(
                str(args["service_account_id"]), str(args["workspace_id"]), str(args["role"])),
    }
    if name not in builders:
        return None
    action: VendorAction = OnPlane(builders[name](), OAUTH)
    return action
