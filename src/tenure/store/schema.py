"""Table definitions (SQLAlchemy Core). Alembic migrations are generated from and checked
against this metadata; a test proves they agree."""

from __future__ import annotations

import sqlalchemy as sa

from tenure.model import (
    AccessPathKind,
    AssignmentOrigin,
    DeploymentStatus,
    EgressKind,
    GroupSource,
    JwksType,
    NhiKind,
    OwnerKind,
    PrincipalKind,
    PrivilegeTier,
    ScopeType,
    SponsorBasis,
    VaultAuthKind,
    VaultCredentialStatus,
)
from tenure.store.types import BigIntId, EnumText, JSONType, UTCDateTime, enum_check

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def _snapshot_table(name: str, *columns: sa.Column[object] | sa.Index | sa.CheckConstraint
                    ) -> sa.Table:
    """A table of records whose full listing is the current state of a source.

    Every row is keyed by (source, tenant, external_id), stamped with the last sync run that
    saw it, and marked removed (never deleted) after a complete run that no longer lists it.
    """
    return sa.Table(
        name,
        metadata,
        sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("tenant", sa.String(128), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        *columns,
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("sync_run_id", sa.String(64), nullable=False),
        sa.Column("removed_at", UTCDateTime()),
        sa.Column("removed_run_id", sa.String(64)),
        sa.UniqueConstraint("source", "tenant", "external_id"),
    )


sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("source_type", sa.String(64), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("complete_types", JSONType, nullable=False, default=list),
    sa.Column("stats", JSONType, nullable=False, default=dict),
    sa.Column("error", sa.Text()),
    sa.Index(None, "source", "started_at"),
)

sync_cursors = sa.Table(
    "sync_cursors",
    metadata,
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("stream", sa.String(128), primary_key=True),
    sa.Column("cursor", JSONType, nullable=False),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

gaps = sa.Table(
    "gaps",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("sync_run_id", sa.String(64), sa.ForeignKey("sync_runs.id"), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(256), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False, default=""),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "source", "record_type"),
)

raw_pages = sa.Table(
    "raw_pages",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("stream", sa.String(128), nullable=False),
    sa.Column("locator", sa.Text(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("fetched_at", UTCDateTime(), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.Index(None, "sync_run_id"),
)

people = _snapshot_table(
    "people",
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("employee_id", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("department", sa.String(256), nullable=False, default=""),
    sa.Column("title", sa.String(256), nullable=False, default=""),
    sa.Column("manager_email", sa.String(320), nullable=False, default=""),
    sa.Column("start_date", sa.Date()),
    sa.Column("end_date", sa.Date()),
    sa.Index(None, "email"),
)

person_changes = sa.Table(
    "person_changes",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("person_email", sa.String(320), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("field", sa.String(64)),
    sa.Column("old_value", sa.Text()),
    sa.Column("new_value", sa.Text()),
    sa.Column("observed_at", UTCDateTime(), nullable=False),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
    sa.Index(None, "person_email", "observed_at"),
    sa.Index(None, "kind", "observed_at"),
)

accounts = _snapshot_table(
    "accounts",
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("name", sa.String(256), nullable=False, default=""),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, default="active"),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("attributes", JSONType, nullable=False, default=dict),
    sa.Column("person_email", sa.String(320)),
    sa.Column("match_method", sa.String(16)),
    sa.Index(None, "email"),
    sa.Index(None, "person_email"),
)

invites = _snapshot_table(
    "invites",
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("invited_at", UTCDateTime()),
    sa.Column("expires_at", UTCDateTime()),
)

workspaces = _snapshot_table(
    "workspaces",
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
)

credentials = _snapshot_table(
    "credentials",
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(256), nullable=False, default=""),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("owner_type", EnumText(OwnerKind)),
    sa.Column("owner_id", sa.String(256)),
    sa.Column("creator_id", sa.String(256)),
    sa.Column("workspace_id", sa.String(256)),
    sa.Column("scope", EnumText(ScopeType), nullable=False, default=ScopeType.WORKSPACE),
    sa.Column("partial_hint", sa.String(128)),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("owner_access", sa.String(16)),
    sa.Index(None, "owner_id"),
    sa.Index(None, "creator_id"),
    enum_check("scope", ScopeType),
    enum_check("owner_type", OwnerKind),
)

# --- workload identity federation (Anthropic issuers and rules; vendor-apis-nhi.md §3) -------

federation_issuers = _snapshot_table(
    "federation_issuers",
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("issuer_url", sa.String(1024), nullable=False),
    sa.Column("check_jti", sa.Boolean(), nullable=False),
    sa.Column("jwks_type", EnumText(JwksType), nullable=False),
    sa.Column("jwks_polling_disabled_at", UTCDateTime()),
    sa.Column("max_jwt_lifetime_seconds", sa.Integer()),
    sa.Column("consecutive_failures", sa.Integer(), nullable=False, default=0),
    sa.Column("last_fetched_at", UTCDateTime()),
    sa.Column("next_poll_at", UTCDateTime()),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    sa.Column("created_by_actor_id", sa.String(256)),
    sa.Column("attributes", JSONType, nullable=False, default=dict),
    enum_check("jwks_type", JwksType),
)

federation_rules = _snapshot_table(
    "federation_rules",
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text(), nullable=False, default=""),
    sa.Column("issuer_id", sa.String(256), nullable=False),
    sa.Column("subject_prefix", sa.Text()),
    sa.Column("audience", sa.Text()),
    sa.Column("claims", JSONType, nullable=False, default=dict),
    sa.Column("condition", sa.Text()),
    sa.Column("match", JSONType, nullable=False, default=dict),
    sa.Column("target_service_account_id", sa.String(256)),
    sa.Column("oauth_scope", sa.String(512), nullable=False),
    sa.Column("token_lifetime_seconds", sa.Integer()),
    sa.Column("applies_to_all_workspaces", sa.Boolean(), nullable=False, default=False),
    # The complete enabled set: the union of the rule's workspace_ids, its legacy workspace_id
    # and its rule-workspaces listing.
    sa.Column("workspace_ids", JSONType, nullable=False, default=list),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    sa.Column("created_by_actor_id", sa.String(256)),
    sa.Column("attributes", JSONType, nullable=False, default=dict),
    sa.Index(None, "issuer_id"),
    sa.Index(None, "target_service_account_id"),
)

# --- Anthropic managed agents (vendor-apis-nhi.md §4): workspace-scoped, no creator column ------
# The vendor names no creator on any of these objects; who answers for one is a sponsor
# recorded in Tenure (or a metadata convention), never a column here.

agents = _snapshot_table(
    "agents",
    sa.Column("workspace_id", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text()),
    sa.Column("version", sa.Integer()),
    sa.Column("model", sa.String(128)),
    # The effective per-tool list: [{toolset, name, enabled, permission_policy,
    # changes_things, mcp_server_name}] (tenure.model.AgentTool)
    sa.Column("tools", JSONType, nullable=False, default=list),
    sa.Column("mcp_servers", JSONType, nullable=False, default=list),
    sa.Column("skills", JSONType, nullable=False, default=list),
    sa.Column("metadata", JSONType, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    sa.Index(None, "workspace_id"),
)

agent_environments = _snapshot_table(
    "agent_environments",
    sa.Column("workspace_id", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("description", sa.Text()),
    sa.Column("scope", sa.String(32)),
    sa.Column("config_type", sa.String(32)),
    sa.Column("networking", EnumText(EgressKind), nullable=False),
    sa.Column("allowed_hosts", JSONType, nullable=False, default=list),
    sa.Column("allow_mcp_servers", sa.Boolean()),
    sa.Column("allow_package_managers", sa.Boolean()),
    sa.Column("metadata", JSONType, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    enum_check("networking", EgressKind),
)

agent_deployments = _snapshot_table(
    "agent_deployments",
    sa.Column("workspace_id", sa.String(256), nullable=False),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("agent_id", sa.String(256), nullable=False),
    sa.Column("agent_version", sa.Integer()),
    sa.Column("environment_id", sa.String(256), nullable=False),
    sa.Column("vault_ids", JSONType, nullable=False, default=list),
    sa.Column("schedule_expression", sa.String(128)),
    sa.Column("schedule_timezone", sa.String(64)),
    sa.Column("last_run_at", UTCDateTime()),
    sa.Column("upcoming_runs_at", JSONType, nullable=False, default=list),
    sa.Column("status", EnumText(DeploymentStatus), nullable=False),
    sa.Column("paused_reason_type", sa.String(64)),
    sa.Column("paused_error_type", sa.String(64)),
    sa.Column("last_run_error", sa.String(64)),
    sa.Column("metadata", JSONType, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    sa.Index(None, "agent_id"),
    sa.Index(None, "environment_id"),
    enum_check("status", DeploymentStatus),
)

vaults = _snapshot_table(
    "vaults",
    sa.Column("workspace_id", sa.String(256), nullable=False),
    sa.Column("display_name", sa.String(256), nullable=False),
    sa.Column("metadata", JSONType, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
)

vault_credentials = _snapshot_table(
    "vault_credentials",
    sa.Column("vault_id", sa.String(256), nullable=False),
    sa.Column("workspace_id", sa.String(256), nullable=False),
    sa.Column("display_name", sa.String(256)),
    sa.Column("auth_kind", EnumText(VaultAuthKind), nullable=False),
    sa.Column("mcp_server_url", sa.Text()),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("has_refresh", sa.Boolean(), nullable=False, default=False),
    # The NAME of an environment-variable secret; a secret value is never stored.
    sa.Column("secret_name", sa.String(256)),
    sa.Column("networking", EnumText(EgressKind)),
    sa.Column("allowed_hosts", JSONType, nullable=False, default=list),
    sa.Column("status", EnumText(VaultCredentialStatus), nullable=False),
    sa.Column("metadata", JSONType, nullable=False, default=dict),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
    sa.Column("archived_at", UTCDateTime()),
    sa.Index(None, "vault_id"),
    enum_check("auth_kind", VaultAuthKind),
    enum_check("networking", EgressKind),
    enum_check("status", VaultCredentialStatus),
)

entitlements = sa.Table(
    "entitlements",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("external_id", sa.String(512), nullable=False),
    sa.Column("scope_type", EnumText(ScopeType), nullable=False),
    sa.Column("scope_id", sa.String(256), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("privileged", sa.Boolean(), nullable=False),
    sa.Column("first_seen_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("source", "tenant", "external_id"),
    enum_check("scope_type", ScopeType),
)

grants = _snapshot_table(
    "grants",
    sa.Column("account_id", sa.String(256), nullable=False),
    sa.Column("entitlement_id", sa.String(512), nullable=False),
    sa.Column("scope_type", EnumText(ScopeType), nullable=False),
    sa.Column("scope_id", sa.String(256), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("privileged", sa.Boolean(), nullable=False),
    sa.Column("inherited", sa.Boolean(), nullable=False, default=False),
    sa.Column("granted_at", UTCDateTime()),
    sa.Index(None, "account_id"),
    enum_check("scope_type", ScopeType),
)

# --- groups, roles, role assignments and effective access (issue 17) ---------------------

groups = _snapshot_table(
    "groups",
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("source_type", EnumText(GroupSource), nullable=False, default=GroupSource.DIRECT),
    sa.Column("group_type", sa.String(32), nullable=False, default="group"),
    # NULL: the vendor sent no role data for the group (temporarily unavailable) -- never
    # read as "no roles".
    sa.Column("role_ids", JSONType),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("attributes", JSONType, nullable=False, default=dict),
    enum_check("source_type", GroupSource),
)

group_members = _snapshot_table(
    "group_members",
    sa.Column("group_id", sa.String(256), nullable=False),
    sa.Column("account_id", sa.String(256), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("added_at", UTCDateTime()),
    sa.Index(None, "group_id"),
    sa.Index(None, "account_id"),
)

roles = _snapshot_table(
    "roles",
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("display_name", sa.String(256), nullable=False, default=""),
    sa.Column("scope_type", EnumText(ScopeType), nullable=False),
    sa.Column("scope_id", sa.String(256), nullable=False, default=""),
    sa.Column("predefined", sa.Boolean(), nullable=False, default=False),
    # [{action, resource_type, resource_id}]; NULL: the permissions could not be read.
    sa.Column("permissions", JSONType),
    sa.Column("resource_type", sa.String(64), nullable=False, default=""),
    # From the permissions (tenure.privilege); NULL when the permissions are unknown.
    sa.Column("tier", EnumText(PrivilegeTier)),
    enum_check("scope_type", ScopeType),
    enum_check("tier", PrivilegeTier),
)

role_assignments = _snapshot_table(
    "role_assignments",
    sa.Column("principal_kind", EnumText(PrincipalKind), nullable=False),
    sa.Column("principal_id", sa.String(256), nullable=False),
    sa.Column("role_id", sa.String(256), nullable=False),
    sa.Column("scope_type", EnumText(ScopeType), nullable=False),
    sa.Column("scope_id", sa.String(256), nullable=False, default=""),
    sa.Column("origin", EnumText(AssignmentOrigin), nullable=False),
    sa.Column("assignment_sources", JSONType, nullable=False, default=list),
    sa.Column("assigned_at", UTCDateTime()),
    sa.Index(None, "principal_kind", "principal_id"),
    sa.Index(None, "role_id"),
    enum_check("principal_kind", PrincipalKind),
    enum_check("scope_type", ScopeType),
    enum_check("origin", AssignmentOrigin),
)

analytics_users = _snapshot_table(
    "analytics_users",
    sa.Column("user_id", sa.String(256), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("last_activity_date", sa.Date()),
    sa.Column("activity", JSONType, nullable=False, default=dict),
    sa.Index(None, "user_id"),
)

# What each account really holds after a sync run, and why: one row per (account, role,
# path). Computed set-at-a-time by tenure.services.effective_access when the run finishes;
# rows are kept per run (the newest runs of each source; older ones are pruned).
effective_access = sa.Table(
    "effective_access",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("account_id", sa.String(256), nullable=False),
    sa.Column("scope_type", EnumText(ScopeType), nullable=False),
    sa.Column("scope_id", sa.String(256), nullable=False),
    # The role (custom/RBAC role id, or the legacy role name) the account holds.
    sa.Column("entitlement", sa.String(512), nullable=False),
    sa.Column("entitlement_name", sa.String(256), nullable=False),
    sa.Column("tier", EnumText(PrivilegeTier)),
    sa.Column("path_kind", EnumText(AccessPathKind), nullable=False),
    sa.Column("via_group_id", sa.String(256)),
    sa.Column("origin", EnumText(AssignmentOrigin)),
    # [{step, id, name, ...}] from the account to the entitlement (docs/effective-access.md)
    sa.Column("path", JSONType, nullable=False),
    sa.Column("computed_at", UTCDateTime(), nullable=False),
    sa.Index(None, "sync_run_id", "account_id"),
    sa.Index(None, "source", "tenant", "sync_run_id", "tier"),
    enum_check("scope_type", ScopeType),
    enum_check("tier", PrivilegeTier),
    enum_check("path_kind", AccessPathKind),
    enum_check("origin", AssignmentOrigin),
)

# One row per sync run whose effective access was computed (even when it holds no rows): the
# newest of each source is "current". Ordered by id, not by time (runs under a fixed clock tie).
effective_access_runs = sa.Table(
    "effective_access_runs",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("sync_run_id", sa.String(64), nullable=False, unique=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("computed_at", UTCDateTime(), nullable=False),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Index(None, "source"),
)

activities = sa.Table(
    "activities",
    metadata,
    # The primary key is the dedup key. occurred_at is part of it so the table can be
    # range-partitioned by month on PostgreSQL (a partitioned table's unique keys must include
    # the partition key); vendor event timestamps are immutable, so this does not weaken dedup
    # by vendor id. Time comes before the id: feeds arrive in time order, so new keys land at
    # one edge of the index instead of on random pages, which keeps ingest cost flat as the
    # table grows. On SQLite this stays an ordinary rowid table (not WITHOUT ROWID): ingest
    # relies on the implicit rowid growing monotonically.
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("external_id", sa.String(256), nullable=False),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("actor_kind", sa.String(32), nullable=False),
    sa.Column("actor_id", sa.String(256)),
    sa.Column("actor_email", sa.String(320)),
    sa.Column("action", sa.String(128), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("target_type", sa.String(64)),
    sa.Column("target_id", sa.String(256)),
    sa.Column("workspace_id", sa.String(256)),
    sa.Column("credential_id", sa.String(256)),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
    sa.Column("raw_page_id", BigIntId),
    sa.PrimaryKeyConstraint("source", "tenant", "occurred_at", "external_id"),
    sa.Index(None, "actor_id", "occurred_at"),
    # One partition per calendar month (UTC): see tenure.store.partitions.
    postgresql_partition_by="RANGE (occurred_at)",
)

activity_targets = sa.Table(
    "activity_targets",
    metadata,
    # Who or what an identity event affected, one row per target (a group add names one row
    # per member). Keyed by the activity's own key plus the target's position in the event,
    # so re-reading a page dedups like the activity does. Not partitioned: identity events are
    # a small share of the feed; retention removes targets with their activity month.
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("tenant", sa.String(128), primary_key=True),
    sa.Column("occurred_at", UTCDateTime(), primary_key=True),
    sa.Column("external_id", sa.String(256), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("relation", sa.String(32), nullable=False),
    sa.Column("target_type", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(256)),
    sa.Column("target_email", sa.String(320)),
    sa.Column("role", sa.String(128)),
    sa.Index(None, "target_id", "occurred_at"),
    sa.Index(None, "target_email", "occurred_at"),
)

activity_daily = sa.Table(
    "activity_daily",
    metadata,
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("tenant", sa.String(128), primary_key=True),
    sa.Column("principal_type", sa.String(32), primary_key=True),
    sa.Column("principal_id", sa.String(256), primary_key=True),
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("events", sa.BigInteger(), nullable=False),
    sa.Column("last_at", UTCDateTime(), nullable=False),
)

usage_daily = sa.Table(
    "usage_daily",
    metadata,
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("tenant", sa.String(128), primary_key=True),
    sa.Column("subject_type", sa.String(32), primary_key=True),
    sa.Column("subject_id", sa.String(256), primary_key=True),
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("requests", sa.BigInteger(), nullable=False, default=0),
    sa.Column("input_tokens", sa.BigInteger(), nullable=False, default=0),
    sa.Column("output_tokens", sa.BigInteger(), nullable=False, default=0),
    sa.Column("sync_run_id", sa.String(64), nullable=False),
)

identity_links = sa.Table(
    "identity_links",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("match_kind", sa.String(16), nullable=False),
    sa.Column("match_value", sa.String(512), nullable=False),
    sa.Column("person_email", sa.String(320), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False, default=""),
    sa.UniqueConstraint("match_kind", "match_value"),
)

purposes = sa.Table(
    "purposes",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_ref", sa.String(512), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("owner_email", sa.String(320), nullable=False),
    sa.Column("approved_by", sa.String(320)),
    sa.Column("approved_at", UTCDateTime()),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("project_id", sa.String(256)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("withdrawn_at", UTCDateTime()),
    sa.Index(None, "subject_ref"),
)

ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("seq", BigIntId, primary_key=True, autoincrement=False),
    sa.Column("ts", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(512)),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    # "KEYID:BASE64" Ed25519 signature over the entry's seq and hash (tenure.evidence.sealing);
    # NULL when written before signatures or without a configured key
    sa.Column("signature", sa.Text()),
    sa.Index(None, "kind"),
)

ledger_checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("tree_size", sa.BigInteger(), nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("merkle_root", sa.String(64), nullable=False),
    sa.Column("ts", UTCDateTime(), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("public_key", sa.Text(), nullable=False),
    sa.Column("signature", sa.Text(), nullable=False),
    sa.UniqueConstraint("tree_size", "key_id"),
)

findings = sa.Table(
    "findings",
    metadata,
    # Deterministic: hash of (check, source, subject), so a finding survives re-runs.
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("check_id", sa.String(128), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("subject_email", sa.String(320)),
    sa.Column("person_email", sa.String(320)),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("evidence", JSONType, nullable=False, default=dict),
    sa.Column("first_seen", UTCDateTime(), nullable=False),
    sa.Column("last_seen", UTCDateTime(), nullable=False),
    sa.Column("resolved_at", UTCDateTime()),
    sa.Index(None, "check_id", "status"),
    sa.Index(None, "status"),
)

finding_mutes = sa.Table(
    "finding_mutes",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("finding_id", sa.String(40), sa.ForeignKey("findings.id"), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("until", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expired_at", UTCDateTime()),
    sa.Index(None, "finding_id"),
)

# --- SCIM 2.0 receiver (identity pushed by Okta / Entra) -------------------------------------

scim_tokens = sa.Table(
    "scim_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Column("revoked_by", sa.String(320)),
)

scim_users = sa.Table(
    "scim_users",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("external_id", sa.String(512)),
    sa.Column("user_name", sa.String(512), nullable=False),
    sa.Column("user_name_key", sa.String(512), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("manager_ref", sa.String(512)),
    sa.Column("resource", JSONType, nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("source", "user_name_key"),
    # One person per email per source (NULLs, users without an email, never clash).
    sa.UniqueConstraint("source", "email"),
    sa.Index(None, "source", "external_id"),
    sa.Index(None, "source", "manager_ref"),
)

scim_groups = sa.Table(
    "scim_groups",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("external_id", sa.String(512)),
    sa.Column("display_name", sa.String(512), nullable=False),
    sa.Column("display_name_key", sa.String(512), nullable=False),
    sa.Column("resource", JSONType, nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "source", "external_id"),
    sa.Index(None, "source", "display_name_key"),
)

scim_group_members = sa.Table(
    "scim_group_members",
    metadata,
    sa.Column("group_id", sa.String(64), sa.ForeignKey("scim_groups.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("scim_users.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("display", sa.String(512)),
    sa.Column("added_at", UTCDateTime(), nullable=False),
    sa.Index(None, "user_id"),
)

# --- access reviews (campaigns) ---------------------------------------------------------

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(256), nullable=False),
    sa.Column("scope", sa.Text(), nullable=False),
    sa.Column("reviewer_rule", sa.Text(), nullable=False),
    sa.Column("fallback_reviewer", sa.String(320), nullable=False),
    sa.Column("if_no_response", sa.String(16), nullable=False),
    sa.Column("stages", sa.Integer(), nullable=False),
    sa.Column("stage2_reviewer", sa.String(320)),
    sa.Column("outcome_strategy", sa.String(32), nullable=False),
    sa.Column("require_justification", sa.Boolean(), nullable=False),
    sa.Column("allow_self_review", sa.Boolean(), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("as_of", UTCDateTime(), nullable=False),
    sa.Column("population_query", sa.Text(), nullable=False),
    sa.Column("population_size", sa.Integer(), nullable=False),
    sa.Column("population_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("closed_at", UTCDateTime()),
    sa.Column("closed_by", sa.String(320)),
    sa.Column("plan", JSONType),
    sa.Column("plan_hash", sa.String(64)),
)

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("campaign_id", sa.String(40), sa.ForeignKey("campaigns.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("label", sa.String(512), nullable=False),
    sa.Column("person_email", sa.String(320)),
    sa.Column("privileged", sa.Boolean(), nullable=False),
    sa.Column("snapshot", JSONType, nullable=False),
    sa.Column("snapshot_hash", sa.String(64), nullable=False),
    sa.Column("recommendation", sa.String(16), nullable=False),
    sa.Column("recommendation_reason", sa.Text(), nullable=False),
    sa.Column("risk", sa.Integer(), nullable=False),
    sa.Column("stage", sa.Integer(), nullable=False),
    sa.Column("reviewer", sa.String(320), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(16)),
    sa.Column("decided_by", sa.String(320)),
    sa.Column("decided_at", UTCDateTime()),
    sa.Column("justification", sa.Text()),
    sa.Column("outcome", sa.String(16)),
    sa.Column("outcome_reason", sa.Text()),
    # Pre-computed from the snapshot when the item is created (it never changes): the queue
    # groups and filters on plain indexed columns, not on JSON.
    sa.Column("group_key", sa.String(512)),
    sa.Column("findings", sa.Integer(), nullable=False, server_default="0"),
    sa.Index(None, "campaign_id", "reviewer", "status"),
    sa.Index(None, "campaign_id", "status"),
    # covering: the queue groups one reviewer's items and lists their campaigns and sources
    # without reading their snapshots
    sa.Index("ix_review_items_queue_by_source", "reviewer", "status", "group_key", "risk",
             "label", "campaign_id", "source"),
)

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(40), sa.ForeignKey("review_items.id"), nullable=False),
    sa.Column("campaign_id", sa.String(40), nullable=False),
    sa.Column("stage", sa.Integer(), nullable=False),
    sa.Column("reviewer", sa.String(320), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("justification", sa.Text(), nullable=False),
    sa.Column("snapshot_hash", sa.String(64), nullable=False),
    sa.Column("decided_at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Index(None, "item_id"),
)

review_assignments = sa.Table(
    "review_assignments",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("item_id", sa.String(40), sa.ForeignKey("review_items.id"), nullable=False),
    sa.Column("campaign_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("from_reviewer", sa.String(320), nullable=False),
    sa.Column("to_reviewer", sa.String(320), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Index(None, "item_id"),
)

review_notifications = sa.Table(
    "review_notifications",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("campaign_id", sa.String(40), nullable=False),
    sa.Column("reviewer", sa.String(320), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("items", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=False),
    sa.Index(None, "campaign_id", "reviewer", "kind"),
)

# --- revocation plans, their journal, and manual tasks ------------------------------------

revocation_plans = sa.Table(
    "revocation_plans",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("origin", sa.String(256), nullable=False),
    sa.Column("document", JSONType, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("approved_by", sa.String(320)),
    sa.Column("approved_at", UTCDateTime()),
    sa.Column("applied_at", UTCDateTime()),
    sa.Column("applied_by", sa.String(320)),
)

plan_actions = sa.Table(
    "plan_actions",
    metadata,
    sa.Column("plan_id", sa.String(40), sa.ForeignKey("revocation_plans.id"), primary_key=True),
    sa.Column("step_index", sa.Integer(), primary_key=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False, default=""),
    sa.Column("intent_at", UTCDateTime()),
    sa.Column("outcome_at", UTCDateTime()),
    sa.Column("verified", sa.Boolean()),
    sa.Column("verified_at", UTCDateTime()),
)

# A batch of a plan over the max-actions guard, once approved (a second admin per batch): the
# layout is cut at ``size`` vendor calls and recorded with the first batch (actions/batches.py).
plan_batches = sa.Table(
    "plan_batches",
    metadata,
    sa.Column("plan_id", sa.String(40), sa.ForeignKey("revocation_plans.id"), primary_key=True),
    sa.Column("batch", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("first_step", sa.Integer(), nullable=False),
    sa.Column("last_step", sa.Integer(), nullable=False),
    sa.Column("calls", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("approved_by", sa.String(320), nullable=False),
    sa.Column("approved_at", UTCDateTime(), nullable=False),
    sa.Column("applied_by", sa.String(320)),
    sa.Column("applied_at", UTCDateTime()),
    sa.Column("verified", sa.Integer()),
)

manual_tasks = sa.Table(
    "manual_tasks",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("plan_id", sa.String(40), sa.ForeignKey("revocation_plans.id"), nullable=False),
    sa.Column("step_index", sa.Integer(), nullable=False),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("owner", sa.String(320), nullable=False),
    sa.Column("due", sa.Date(), nullable=False),
    sa.Column("why", sa.Text(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("done_at", UTCDateTime()),
    sa.Column("done_by", sa.String(320)),
    sa.Column("note", sa.Text()),
    sa.UniqueConstraint("plan_id", "step_index"),
)

# A SCIM deactivation held back by the burst guard: the SCIM resource says inactive (the
# identity provider was answered), the person stays active (no leaver trigger) until an admin
# confirms or dismisses the burst.
scim_held_deactivations = sa.Table(
    "scim_held_deactivations",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("user_name", sa.Text(), nullable=False),
    sa.Column("held_at", UTCDateTime(), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("resolved_at", UTCDateTime()),
    sa.Column("resolved_by", sa.String(320)),
    sa.Column("resolution", sa.String(16)),
    sa.Index(None, "source", "resolved_at"),
)

# --- web app: local and single-sign-on users, API tokens ----------------------------------

web_users = sa.Table(
    "web_users",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("disabled_at", UTCDateTime()),
)

web_tokens = sa.Table(
    "web_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_email", sa.String(320), sa.ForeignKey("web_users.email"), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Index(None, "user_email"),
)

# A signed-in browser session, server-side so that sign-out, a password change or disabling
# the user ends it even when the cookie was copied. The cookie carries a random id; only its
# SHA-256 is stored.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("user_email", sa.String(320), sa.ForeignKey("web_users.email"), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime()),
    sa.Column("end_reason", sa.String(32)),
    sa.Index(None, "user_email"),
)

# --- accountability: who answers for each non-human identity -------------------------------

# The current sponsor of each NHI, with why (basis) and whether it is provisional (passed by
# succession, awaiting the new sponsor's acceptance). Explicit and succession rows are written
# by people and lifecycle; convention, creator and inherited rows are re-derived from the
# store before every check run. Every change is also appended to sponsor_history.
sponsors = sa.Table(
    "sponsors",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("subject_type", EnumText(NhiKind), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("owner_email", sa.String(320), nullable=False),
    sa.Column("basis", EnumText(SponsorBasis), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("provisional", sa.Boolean(), nullable=False, default=False),
    sa.Column("previous_owner", sa.String(320)),
    sa.Column("set_by", sa.String(320), nullable=False),
    sa.Column("set_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("source", "subject_type", "subject_id"),
    sa.Index(None, "owner_email"),
    enum_check("subject_type", NhiKind),
    enum_check("basis", SponsorBasis),
)

sponsor_history = sa.Table(
    "sponsor_history",
    metadata,
    sa.Column("id", BigIntId, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(128), nullable=False),
    sa.Column("subject_type", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.String(512), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("owner_email", sa.String(320)),
    sa.Column("basis", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("provisional", sa.Boolean(), nullable=False, default=False),
    sa.Column("previous_owner", sa.String(320)),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Index(None, "source", "subject_type", "subject_id"),
)

# The resolved accountability of every non-human identity, rebuilt set-at-a-time before each
# check run (tenure.nhi.resolve): the NHI, whether it is live, who answers for it and why.
# Checks read it like a rollup; nothing else writes it.
nhi_accountability = sa.Table(
    "nhi_accountability",
    metadata,
    sa.Column("source", sa.String(128), primary_key=True),
    sa.Column("subject_type", sa.String(32), primary_key=True),
    sa.Column("subject_id", sa.String(512), primary_key=True),
    sa.Column("tenant", sa.String(128), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("live", sa.Boolean(), nullable=False),
    sa.Column("sponsor_email", sa.String(320)),
    sa.Column("basis", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("provisional", sa.Boolean(), nullable=False),
    sa.Column("previous_owner", sa.String(320)),
    sa.Column("refreshed_at", UTCDateTime(), nullable=False),
    sa.Index(None, "sponsor_email"),
)
