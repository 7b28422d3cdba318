"""Typed records that flow from connectors to the store and from the store to checks.

Connectors produce these; the store writes them; nothing untyped crosses a layer.
All timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tenure.clock import from_utc_text, stored_text


class PersonStatus(StrEnum):
    """Employment status in the identity source."""

    ACTIVE = "active"
    TERMINATED = "terminated"


class AccountKind(StrEnum):
    """What kind of principal a platform account is."""

    USER = "user"
    SERVICE_ACCOUNT = "service_account"


class CredentialKind(StrEnum):
    """What kind of secret a credential is."""

    API_KEY = "api_key"
    ADMIN_KEY = "admin_key"


class ScopeType(StrEnum):
    """Where an entitlement or a key applies: the whole organization or one workspace.

    OpenAI projects are workspaces here (the checks read one scope for both platforms).
    Every layer (connectors, store, checks, reviews, actions) compares with these members,
    never with string literals; the store refuses any other value (a CHECK constraint).
    """

    ORGANIZATION = "organization"
    WORKSPACE = "workspace"


class OwnerKind(StrEnum):
    """Who owns a key: a person's seat, a service account, or nobody Tenure can name.

    A key owned by a service account is never an orphan: the service account is the owner and
    its sponsor is the accountable person. An owner shape the vendor sent that Tenure cannot
    read falls back to the key's creator, and the run records a note saying so.
    """

    USER = "user"
    SERVICE_ACCOUNT = "service_account"


class SponsorBasis(StrEnum):
    """Why a person answers for a non-human identity (the order Tenure resolves them in)."""

    EXPLICIT = "explicit"
    """Recorded in Tenure by an authenticated admin (``tenure sponsor set``, the web app)."""
    SUCCESSION = "succession"
    """Passed to the previous sponsor's manager when that sponsor left or moved; provisional
    until the new sponsor accepts it in a one-item review."""
    CONVENTION = "convention"
    """Read from the identity itself by the configured convention (a metadata key ``owner``
    on an agent or deployment, an ``owner:EMAIL`` tag in a service account's description)."""
    CREATOR = "creator"
    """The vendor's creator field names a user, who is matched to a person."""
    INHERITED = "inherited"
    """Created by another service account: that service account's sponsor answers."""
    NONE = "none"
    """Nobody: the NHI has no accountable human (a finding)."""


class NhiKind(StrEnum):
    """The kinds of non-human identity Tenure governs (each resolves to an accountable human).

    Service accounts are stored as accounts (``kind = service_account``), workload identities
    as federation rules (with their issuers), keys as credentials; agents, deployments and
    vault credentials have tables of their own.
    """

    SERVICE_ACCOUNT = "service_account"
    WORKLOAD_IDENTITY = "workload_identity"
    AGENT = "agent"
    DEPLOYMENT = "deployment"
    VAULT_CREDENTIAL = "vault_credential"
    API_KEY = "api_key"


class JwksType(StrEnum):
    """Where a federation issuer's signing keys come from (vendor-apis-nhi.md §3.1)."""

    DISCOVERY = "discovery"
    EXPLICIT_URL = "explicit_url"
    INLINE = "inline"
    UNKNOWN = "unknown"
    """A ``jwks.type`` the vendor added after this was written (kept in ``attributes``)."""


class GroupSource(StrEnum):
    """Who manages a platform group: the platform's own API/admin UI, or the identity provider.

    A SCIM-managed group refuses member edits through the platform API: its changes go to the
    identity provider's owner."""

    DIRECT = "direct"
    SCIM = "scim"


class PrincipalKind(StrEnum):
    """Who a role is assigned to."""

    USER = "user"
    GROUP = "group"
    SERVICE_ACCOUNT = "service_account"


class PrivilegeTier(StrEnum):
    """How much a role (or a permission) lets its holder do (``tenure.privilege``).

    ``admin``: can change who has access or mint organization-wide credentials.
    ``elevated``: can mint keys or change a workspace/project. ``none``: everything else."""

    ADMIN = "admin"
    ELEVATED = "elevated"
    NONE = "none"


class AccessPathKind(StrEnum):
    """Why an account holds an entitlement (the first step of its effective-access path)."""

    DIRECT = "direct"
    """The platform's own role on the seat or workspace membership (legacy role)."""
    GROUP = "group"
    """A role assigned to a group the account is a member of."""
    ROLE = "role"
    """A custom/RBAC role assigned to the account itself."""
    INHERITED = "inherited"
    """Implied by the account's organization role (an org admin is admin of every workspace)."""


class AssignmentOrigin(StrEnum):
    """Where Tenure learnt a role assignment from."""

    API = "api"
    """Read from a listing endpoint."""
    FEED_DERIVED = "feed_derived"
    """Replayed from activity-feed events: the platform has no read endpoint for it."""
    LEGACY_ROLE = "legacy_role"
    """The single role on the user object (Anthropic ``role``, OpenAI ``owner``/``reader``)."""
    PROJECT_GROUP = "project_group"
    """A group's access to a project (OpenAI ``/projects/{p}/groups``, with its project role)."""


class RecordStatus(StrEnum):
    """Lifecycle of a stored record relative to the source."""

    PRESENT = "present"
    REMOVED = "removed"


class RunStatus(StrEnum):
    """How a sync run ended."""

    RUNNING = "running"
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


class ChangeKind(StrEnum):
    """Joiner / mover / leaver events derived from identity-source changes."""

    JOINER = "joiner"
    MOVER = "mover"
    LEAVER = "leaver"
    REHIRE = "rehire"
    UPDATED = "updated"
    REMOVED = "removed"


class ActorKind(StrEnum):
    """Who performed an activity, as the vendor names it (vendor-apis-nhi.md §6.1, §7.9)."""

    USER = "user"
    """A signed-in human (Anthropic ``user_actor``, OpenAI ``session``)."""
    API_KEY = "api_key"
    """A workspace or project API key acting by itself (``api_actor``)."""
    ADMIN_KEY = "admin_key"
    """An Admin API key (``admin_api_key_actor``); accountable: the key's owner or creator."""
    SERVICE_ACCOUNT = "service_account"
    """A service account (``service_account_actor``, an OpenAI service-account key)."""
    FEDERATED = "federated"
    """An external workload identified by verified OIDC claims (``issuer|subject``)."""
    SCIM = "scim"
    """The identity provider pushing through directory sync (id: the directory)."""
    UNAUTHENTICATED = "unauthenticated"
    """Someone not signed in (a failed or pre-login attempt)."""
    VENDOR_STAFF = "vendor_staff"
    """The vendor's own staff (Anthropic ``anthropic_actor``, Access Transparency)."""
    SYSTEM = "system"
    """Vendor automation with no customer credential (``system_actor``; id: the service)."""
    TENURE = "tenure"
    """Tenure itself: a change made through the Admin key Tenure is configured with."""
    UNKNOWN = "unknown"
    """An actor shape Tenure does not recognise: kept (id: the vendor's type) with a note."""


ACCOUNT_ACTORS = frozenset({ActorKind.USER, ActorKind.SERVICE_ACCOUNT})
"""Actor kinds whose ``actor_id`` is a platform account (what account rollups count)."""
KEY_ACTORS = frozenset({ActorKind.API_KEY, ActorKind.ADMIN_KEY, ActorKind.TENURE})
"""Actor kinds where a key acted with no account named; its accountable person is a join."""


class ActivityCategory(StrEnum):
    """The coarse category of an activity (what checks and rollups group by)."""

    LOGIN = "login"
    """Sign-in, sign-out and session events."""
    ADMIN = "admin"
    """A privileged change: roles, membership, invites, keys, workspaces/projects, service
    accounts, federation, agents, settings (what ``overactive-admin`` counts)."""
    CONTENT = "content"
    """Chats, projects, files and other resource use."""
    USAGE = "usage"
    """Model usage or Claude Code activity that proves a seat or key is used."""
    VENDOR_ACCESS = "vendor_access"
    """The vendor's staff touching the organization's data (auditors ask for these)."""
    OTHER = "other"
    """Everything else (meta events such as Compliance API calls)."""


class TargetRelation(StrEnum):
    """How an activity's target was affected."""

    SUBJECT = "subject"
    """The identity the change was made to (removed, granted, invited, added, updated)."""
    PREVIOUS_OWNER = "previous_owner"
    """The identity that lost primary ownership."""
    NEW_OWNER = "new_owner"
    """The identity that gained primary ownership."""
    RESOURCE = "resource"
    """The resource a role was granted on or revoked from."""


@dataclass(frozen=True, slots=True)
class Person:
    """A human in the identity source (HR export, SCIM)."""

    email: str
    name: str
    employee_id: str
    status: PersonStatus
    department: str = ""
    title: str = ""
    manager_email: str = ""
    start_date: date | None = None
    end_date: date | None = None

    @property
    def external_id(self) -> str:
        """People are keyed by their lower-cased email."""
        return self.email


@dataclass(frozen=True, slots=True)
class Account:
    """A principal on a platform: a user seat or a service account."""

    external_id: str
    kind: AccountKind
    email: str | None
    name: str
    role: str
    created_at: datetime | None = None
    status: str = "active"
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Invite:
    """A pending, accepted or expired invitation to a platform organization."""

    external_id: str
    email: str
    role: str
    status: str
    invited_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Workspace:
    """An Anthropic workspace or an OpenAI project: the scope of keys and grants."""

    external_id: str
    name: str
    created_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def status(self) -> str:
        """``archived`` once the vendor archived it, else ``active``."""
        return "archived" if self.archived_at is not None else "active"


@dataclass(frozen=True, slots=True)
class Credential:
    """An API key or admin key with its owner, creator, scope and dates."""

    external_id: str
    kind: CredentialKind
    name: str
    status: str
    owner_type: OwnerKind | None = None
    owner_id: str | None = None
    creator_id: str | None = None
    workspace_id: str | None = None
    scope: ScopeType = ScopeType.WORKSPACE
    partial_hint: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    owner_access: str | None = None
    """Whether the owner still holds access to the key's scope, when the platform says
    (OpenAI ``owner_project_access``: ``active``/``inactive``); None when it does not."""


@dataclass(frozen=True, slots=True)
class Entitlement:
    """Something that can be granted: an org role or a role inside a workspace/project."""

    scope_type: ScopeType
    scope_id: str
    role: str
    privileged: bool

    def __post_init__(self) -> None:
        # Coerce (and so validate) at the boundary: "org" or any other spelling fails here,
        # not as a silently unmatched comparison three layers later.
        object.__setattr__(self, "scope_type", ScopeType(self.scope_type))

    @property
    def external_id(self) -> str:
        """Stable key of the entitlement within its source and tenant."""
        return f"{self.scope_type}:{self.scope_id}:{self.role}"


@dataclass(frozen=True, slots=True)
class Grant:
    """An account holding an entitlement (explicitly or inherited from its org role)."""

    account_id: str
    entitlement: Entitlement
    inherited: bool = False
    granted_at: datetime | None = None

    @property
    def external_id(self) -> str:
        """Stable key: the account and the entitlement it holds."""
        return f"{self.account_id}@{self.entitlement.external_id}"


@dataclass(frozen=True, slots=True)
class Group:
    """A platform group (Anthropic RBAC group, OpenAI group).

    ``role_ids`` is the roles the group carries as the vendor listed them on the group; None
    means the vendor sent no role data (temporarily unavailable): never read it as "no roles".
    The roles a group holds are also written as :class:`RoleAssignment` records."""

    external_id: str
    name: str
    source_type: GroupSource = GroupSource.DIRECT
    group_type: str = "group"
    role_ids: tuple[str, ...] | None = None
    created_at: datetime | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupMember:
    """An account's membership of a group."""

    group_id: str
    account_id: str
    email: str | None = None
    added_at: datetime | None = None

    @property
    def external_id(self) -> str:
        """Stable key: the group and the member."""
        return f"{self.group_id}:{self.account_id}"


@dataclass(frozen=True, slots=True)
class Permission:
    """One thing a role permits: an action, on a resource when the vendor names one.

    Anthropic: ``action`` ``permission_manage_members`` on ``organization``; OpenAI: the
    permission string (``api.organization.users.write``) with no resource."""

    action: str
    resource_type: str = ""
    resource_id: str = ""


@dataclass(frozen=True, slots=True)
class Role:
    """A role with what it permits; its privilege tier comes from the permissions, never the
    name. ``permissions`` None: the permissions could not be read (tier unknown)."""

    external_id: str
    name: str
    display_name: str = ""
    scope_type: ScopeType = ScopeType.ORGANIZATION
    scope_id: str = ""
    predefined: bool = False
    permissions: tuple[Permission, ...] | None = None
    resource_type: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope_type", ScopeType(self.scope_type))


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """A role held by a user, group or service account at organization or workspace level.

    ``assignment_sources`` names the principals an inherited assignment comes from, when the
    vendor says (OpenAI ``assignment_sources``: ``[{principal_id, principal_type}]``)."""

    principal_kind: PrincipalKind
    principal_id: str
    role_id: str
    scope_type: ScopeType = ScopeType.ORGANIZATION
    scope_id: str = ""
    origin: AssignmentOrigin = AssignmentOrigin.API
    assignment_sources: tuple[Mapping[str, Any], ...] = ()
    assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope_type", ScopeType(self.scope_type))
        object.__setattr__(self, "principal_kind", PrincipalKind(self.principal_kind))
        object.__setattr__(self, "origin", AssignmentOrigin(self.origin))

    @property
    def external_id(self) -> str:
        """Stable key: who holds which role where."""
        return (f"{self.principal_kind}:{self.principal_id}@{self.scope_type}:"
                f"{self.scope_id}:{self.role_id}")


@dataclass(frozen=True, slots=True)
class AnalyticsUser:
    """A seat's activity as the vendor's analytics reports it (Claude Enterprise Analytics).

    ``activity`` keeps the per-product figures (``chat_metrics``, ``claude_code_metrics`` ...)
    as the vendor sent them; ``last_activity_date`` is None when the org lacks
    last-activity reporting."""

    user_id: str
    email: str | None = None
    last_activity_date: date | None = None
    activity: Mapping[str, Any] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        """Analytics rows are keyed by the platform user id."""
        return self.user_id


@dataclass(frozen=True, slots=True)
class ActivityTarget:
    """One identity or resource an activity affected (a group add names one per member).

    ``target_type`` is the vendor's kind of principal (``user``, ``account``, ``group``,
    ``service_account``, ``api_key``, ``invite``, ``workspace``, ``project`` ...);
    ``target_id`` or ``target_email`` (or both) name it; ``role`` is the role granted,
    revoked or invited with, when the event says."""

    relation: TargetRelation
    target_type: str
    target_id: str | None = None
    target_email: str | None = None
    role: str | None = None


TargetRow = tuple[str, str, str | None, str | None, str | None]
"""A target in its stored form: relation, target_type, target_id, target_email (lower-cased),
role."""


@dataclass(frozen=True, slots=True)
class Activity:
    """A normalized event: who did what to what, when.

    ``actor_kind`` says who acted (:class:`ActorKind`), ``actor_id`` names them in that kind's
    terms (account id, key id, service name, ``issuer|subject``). ``category``: see
    :class:`ActivityCategory`. ``action`` keeps the vendor's own event type
    (``org_user_deleted``, ``api_key.created``). ``credential_id`` is the key the event was
    made with, when there was one. ``target_type``/``target_id`` is the primary target;
    ``targets`` every identity and resource the event names (who was removed or granted what).
    """

    external_id: str
    occurred_at: datetime
    actor_kind: ActorKind
    actor_id: str | None
    actor_email: str | None
    action: str
    category: ActivityCategory
    target_type: str | None = None
    target_id: str | None = None
    workspace_id: str | None = None
    credential_id: str | None = None
    targets: tuple[ActivityTarget, ...] = ()


ActivityRow = tuple[str, str, str, str | None, str | None, str, str, str | None, str | None,
                    str | None, str | None, tuple[TargetRow, ...] | None]
"""An activity in its stored form, for the ingest hot path: the fields of :class:`Activity` in
order, with ``occurred_at`` as canonical UTC text (``tenure.clock.utc_text``), ``actor_email``
lower-cased and the targets as :data:`TargetRow` tuples (None when there are none). A plain
tuple because building a frozen dataclass per event costs more than everything else the import
does to it."""


def target_row(target: ActivityTarget) -> TargetRow:
    """``target`` in its stored form."""
    return (str(target.relation), target.target_type, target.target_id,
            target.target_email.lower() if target.target_email else None, target.role)


def activity_row(activity: Activity) -> ActivityRow:
    """``activity`` in its stored form."""
    a = activity
    # Plain strings, not the enums: the hot path binds these to SQL and COPY as they are.
    return (a.external_id, stored_text(a.occurred_at), str(a.actor_kind), a.actor_id,
        a.actor_email.lower() if a.actor_email else None, a.action, str(a.category),
        a.target_type, a.target_id, a.workspace_id, a.credential_id,
        tuple(target_row(t) for t in a.targets) or None)


def activity_from_row(row: ActivityRow) -> Activity:
    """The :class:`Activity` of a stored-form row."""
    targets = tuple(ActivityTarget(TargetRelation(t[0]), *t[1:]) for t in row[11] or ())
    return Activity(row[0], from_utc_text(row[1]), ActorKind(row[2]), row[3], row[4], row[5],
                    ActivityCategory(row[6]), *row[7:11], targets=targets)


@dataclass(frozen=True, slots=True)
class FederationIssuer:
    """An OIDC issuer trusted for workload identity federation, with its health.

    ``jwks_polling_disabled_at`` is set when the vendor paused key polling after repeated
    failures; ``consecutive_failures``/``last_fetched_at``/``next_poll_at`` are its
    ``poll_status``. ``attributes`` keeps the rest (the ``jwks`` object, ``*_by_actor_id``).
    """

    external_id: str
    name: str
    issuer_url: str
    check_jti: bool = True
    jwks_type: JwksType = JwksType.DISCOVERY
    jwks_polling_disabled_at: datetime | None = None
    max_jwt_lifetime_seconds: int | None = None
    consecutive_failures: int = 0
    last_fetched_at: datetime | None = None
    next_poll_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None
    created_by_actor_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FederationRule:
    """A workload identity federation rule: which external tokens become which service
    account, with what OAuth scope, in which workspaces.

    ``workspace_ids`` is the complete enabled set: the union of the rule's ``workspace_ids``,
    its legacy ``workspace_id`` and its rule-workspaces listing (ignored when
    ``applies_to_all_workspaces``). ``match`` is the vendor's object as read; its fields are
    also split out (``subject_prefix``, ``audience``, ``claims``, ``condition``).
    """

    external_id: str
    name: str
    issuer_id: str
    target_service_account_id: str | None
    oauth_scope: str
    description: str = ""
    subject_prefix: str | None = None
    audience: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)
    condition: str | None = None
    match: Mapping[str, Any] = field(default_factory=dict)
    token_lifetime_seconds: int | None = None
    applies_to_all_workspaces: bool = False
    workspace_ids: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None
    created_by_actor_id: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    """Daily usage of one principal (an API key, a user) as reported by the vendor."""

    subject_type: str
    subject_id: str
    day: date
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Purpose:
    """The justification for a piece of access: who owns it, why, and until when."""

    subject_type: str
    subject_ref: str
    reason: str
    owner_email: str
    approved_by: str | None = None
    approved_at: datetime | None = None
    expires_at: datetime | None = None
    project_id: str | None = None


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One execution of one source's connector."""

    id: str
    source: str
    tenant: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    stats: Mapping[str, Any]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """Data a connector could not read; checks needing it report ``manual``."""

    record_type: str
    reason: str
    detail: str = ""
    switched_off: bool = False
    """Not read because the source's configuration leaves the stream off (the default for
    features an org may lack): still missing data for the checks and never retired, but the
    run did what it was configured to do, so this alone does not make it ``partial``."""


# -- Anthropic managed agents (vendor-apis-nhi.md §4) ------------------------------------------
# The vendor names no creator or owner on any of these objects: ownership comes from sponsors
# recorded in Tenure and from metadata conventions, never from a column here.


class ToolsetKind(StrEnum):
    """Which toolset of an agent a tool belongs to (the ``tools[]`` union on ``type``)."""

    AGENT_TOOLSET = "agent_toolset"
    """The pre-built sandbox tools (``agent_toolset_20260401``: bash, edit, read, write ...)."""
    MCP_TOOLSET = "mcp_toolset"
    """The tools of one remote MCP server (``mcp_toolset``)."""
    CUSTOM = "custom"
    """A tool the caller's application runs (``custom``)."""
    UNKNOWN = "unknown"
    """A ``tools[]`` entry of a type Tenure does not know: kept (name = its type), not guessed."""


class ToolPermission(StrEnum):
    """A server-run tool's permission policy (``permission_policy.type``)."""

    ALWAYS_ALLOW = "always_allow"
    """The tool runs with no confirmation."""
    ALWAYS_ASK = "always_ask"
    """The session pauses for a human's approval before each call."""


class EgressKind(StrEnum):
    """What network an agent's environment (or an environment-variable credential) reaches."""

    UNRESTRICTED = "unrestricted"
    LIMITED = "limited"
    """Only ``allowed_hosts`` (plus MCP servers / package managers when allowed)."""
    SELF_HOSTED = "self_hosted"
    """A self-hosted environment: egress is whatever the customer's own network allows."""
    UNKNOWN = "unknown"
    """A networking shape Tenure does not know (kept with a note on the run)."""


class DeploymentStatus(StrEnum):
    """Whether a managed-agent deployment runs (archived is ``archived_at``, not a status)."""

    ACTIVE = "active"
    PAUSED = "paused"


class VaultAuthKind(StrEnum):
    """How a vault credential authenticates (``auth.type``); secrets are never returned."""

    MCP_OAUTH = "mcp_oauth"
    STATIC_BEARER = "static_bearer"
    ENVIRONMENT_VARIABLE = "environment_variable"
    UNKNOWN = "unknown"


class VaultCredentialStatus(StrEnum):
    """A vault credential's status, derived (the vendor has none): archived when
    ``archived_at`` is set, expired when an ``mcp_oauth`` access token's ``expires_at`` has
    passed and no refresh is configured, else active."""

    ACTIVE = "active"
    EXPIRED = "expired"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class AgentTool:
    """One tool of an agent with its *effective* policy (its ``configs[]`` entry, else the
    toolset's ``default_config``, else the vendor default).

    ``permission_policy`` is a :class:`ToolPermission` value, the vendor's own word when it is
    one Tenure does not know, or None for tools no policy governs (custom tools: the caller
    runs them) and unknown entries. ``changes_things``: the tool can change state (bash,
    write, edit, MCP tools not recognisably read-only, custom tools); None when unknown.
    ``name == "*"`` on an MCP toolset stands for every tool of the server not named in
    ``configs[]`` (their names are not listed by the vendor)."""

    toolset: ToolsetKind
    name: str
    enabled: bool | None
    permission_policy: str | None
    changes_things: bool | None
    mcp_server_name: str | None = None


@dataclass(frozen=True, slots=True)
class Agent:
    """A managed agent (latest version) of one workspace; no creator field exists."""

    external_id: str
    workspace_id: str
    name: str
    description: str | None = None
    version: int | None = None
    model: str | None = None
    tools: tuple[AgentTool, ...] = ()
    mcp_servers: tuple[Mapping[str, Any], ...] = ()
    skills: tuple[Mapping[str, Any], ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentEnvironment:
    """Where a managed agent runs and what network it reaches."""

    external_id: str
    workspace_id: str
    name: str
    description: str | None = None
    scope: str | None = None
    config_type: str | None = None
    networking: EgressKind = EgressKind.UNKNOWN
    allowed_hosts: tuple[str, ...] = ()
    allow_mcp_servers: bool | None = None
    allow_package_managers: bool | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AgentDeployment:
    """A deployment of an agent: schedule, status, pause reason, last run, vaults it uses.

    ``last_run_at`` is ``schedule.last_run_at``, else the newest run read; ``last_run_error``
    is that newest run's ``error.type`` (None when it created a session)."""

    external_id: str
    workspace_id: str
    name: str
    agent_id: str
    environment_id: str
    status: DeploymentStatus
    agent_version: int | None = None
    vault_ids: tuple[str, ...] = ()
    schedule_expression: str | None = None
    schedule_timezone: str | None = None
    last_run_at: datetime | None = None
    upcoming_runs_at: tuple[datetime, ...] = ()
    paused_reason_type: str | None = None
    paused_error_type: str | None = None
    last_run_error: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Vault:
    """A vault of one workspace: a named set of credentials deployments reference."""

    external_id: str
    workspace_id: str
    display_name: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VaultCredential:
    """A credential in a vault: metadata only (a secret value is never requested or stored;
    ``secret_name`` is the *name* of an environment-variable secret)."""

    external_id: str
    vault_id: str
    workspace_id: str
    auth_kind: VaultAuthKind
    status: VaultCredentialStatus
    display_name: str | None = None
    mcp_server_url: str | None = None
    expires_at: datetime | None = None
    has_refresh: bool = False
    secret_name: str | None = None
    networking: EgressKind | None = None
    allowed_hosts: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None


def vault_credential_status(auth_kind: VaultAuthKind, *, archived_at: datetime | None,
                            expires_at: datetime | None, has_refresh: bool,
                            now: datetime) -> VaultCredentialStatus:
    """The derived status (see :class:`VaultCredentialStatus`)."""
    if archived_at is not None:
        return VaultCredentialStatus.ARCHIVED
    if (auth_kind is VaultAuthKind.MCP_OAUTH and expires_at is not None
            and expires_at <= now and not has_refresh):
        return VaultCredentialStatus.EXPIRED
    return VaultCredentialStatus.ACTIVE


AgentRecord = Agent | AgentEnvironment | AgentDeployment | Vault | VaultCredential
"""The managed-agent snapshot records (one table each)."""


SnapshotRecord = (Person | Account | Invite | Workspace | Credential | Grant | FederationIssuer
                  | FederationRule | Agent | AgentEnvironment | AgentDeployment | Vault
                  | VaultCredential | Group | GroupMember | Role | RoleAssignment | AnalyticsUser)
"""Records whose full listing defines the current state (missing = removed)."""

RECORD_TYPES: dict[type[Any], str] = {
    Person: "person",
    Account: "account",
    Invite: "invite",
    Workspace: "workspace",
    Credential: "credential",
    Grant: "grant",
    FederationIssuer: "federation_issuer",
    FederationRule: "federation_rule",
    Group: "group",
    GroupMember: "group_member",
    Role: "role",
    RoleAssignment: "role_assignment",
    AnalyticsUser: "analytics_user",
    Activity: "activity",
    Usage: "usage",
    Agent: "agent",
    AgentEnvironment: "agent_environment",
    AgentDeployment: "agent_deployment",
    Vault: "vault",
    VaultCredential: "vault_credential",
}
"""The record-type name of each record class, as used in the store and in Gaps."""

SERVICE_ACCOUNT_TYPE = "service_account"
"""The record type of service accounts and their workspace memberships, where a source reads
them with a credential of their own (Anthropic: an OAuth ``org:admin`` token). They are stored
as accounts (``kind = service_account``) and grants; a Gap on this type keeps them from being
retired by a complete ``account``/``grant`` listing of the other accounts."""


def plain(value: Any) -> Any:
    """A record (or nested records, lists, dicts) as plain dicts and lists.

    Unlike ``dataclasses.asdict`` it does not deep-copy leaf values, which makes it several
    times faster on the ingest and snapshot hot paths.
    """
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def record_values(record: Any) -> dict[str, Any]:
    """The fields of a flat record as a dict (shallow: values are not converted)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}
