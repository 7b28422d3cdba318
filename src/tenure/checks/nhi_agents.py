"""Managed agents: tools that change things with nobody approving, open egress next to
secrets, deployments nobody answers for, and expired or long-lived secrets still in use
(vendor-apis-nhi.md §4).

Tool policies, vault lists and allowed hosts are JSON arrays: each check reads its rows in
one query per table and joins them in memory (no per-row query); a source that could not
read a type reports ``manual`` through the check's ``needs``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Param, Severity, SubjectType, jsonable
from tenure.checks.nhi_sql import AG, DP, ENV, NA, VC, known_person
from tenure.checks.registry import define
from tenure.frameworks import iso27001, nist_csf, owasp_asi, owasp_nhi, soc2
from tenure.model import DeploymentStatus, EgressKind, NhiKind, VaultCredentialStatus


def _hit(source: str, subject_type: SubjectType, subject_id: str, evidence: dict[str, Any]
         ) -> Hit:
    return Hit(source, subject_type, subject_id, None, None,
               {k: jsonable(v) for k, v in evidence.items()})


LIVE_DEPLOYMENT = sa.and_(DP.c.archived_at.is_(None), DP.c.removed_at.is_(None),
                          DP.c.status == str(DeploymentStatus.ACTIVE))


def unsupervised(tools: Any) -> list[str]:
    """Names of the tools that change things and run with no human approval."""
    return sorted(str(t.get("name")) for t in tools or [] if isinstance(t, dict)
                  and t.get("changes_things") is True and t.get("enabled") is not False
                  and t.get("permission_policy") == "always_allow")


def _unsupervised_tools(ctx: EvalContext) -> list[Hit]:
    rows = ctx.conn.execute(
        sa.select(AG.c.source, AG.c.external_id, AG.c.name, AG.c.workspace_id, AG.c.tools)
        .where(AG.c.archived_at.is_(None), AG.c.removed_at.is_(None))
        .order_by(AG.c.source, AG.c.external_id))
    return [_hit(r.source, SubjectType.AGENT, r.external_id,
                 {"name": r.name, "workspace_id": r.workspace_id, "tools": names})
            for r in rows if (names := unsupervised(r.tools))]


define(Check(
    id="agent-unsupervised-tools",
    title="Agent whose state-changing tools run with no human approval",
    severity=Severity.HIGH,
    subject_type=SubjectType.AGENT,
    rationale="bash, write, edit and MCP write tools on always_allow let a prompt injection "
              "or a wrong plan change code, data or other systems with nobody asked first.",
    remediation="Set those tools to always_ask (or disable them) unless the agent runs in an "
                "isolated environment whose every effect is reviewed.",
    actions=("anthropic.pause_deployment", "anthropic.archive_agent"),
    frameworks=(owasp_asi("ASI02"), owasp_asi("ASI05"), owasp_nhi("NHI5"),
                nist_csf("PR.AA-05"), soc2("CC6.3"), iso27001("A.8.2")),
    needs=("agent",),
    evaluate=_unsupervised_tools,
))


def _live_credentials(ctx: EvalContext) -> dict[tuple[str, str], list[Any]]:
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for c in ctx.conn.execute(
            sa.select(VC.c.source, VC.c.vault_id, VC.c.external_id, VC.c.display_name,
                      VC.c.status, VC.c.expires_at, VC.c.has_refresh, VC.c.created_at,
                      VC.c.first_seen_at, VC.c.auth_kind)
            .where(VC.c.archived_at.is_(None), VC.c.removed_at.is_(None),
                   VC.c.status != str(VaultCredentialStatus.ARCHIVED))
            .order_by(VC.c.external_id)):
        out[(c.source, c.vault_id)].append(c)
    return out


def _open_egress_with_secrets(ctx: EvalContext) -> list[Hit]:
    open_envs = {(e.source, e.external_id): e.name for e in ctx.conn.execute(
        sa.select(ENV.c.source, ENV.c.external_id, ENV.c.name)
        .where(ENV.c.networking == str(EgressKind.UNRESTRICTED), ENV.c.removed_at.is_(None)))}
    creds = _live_credentials(ctx)
    hits = []
    for d in ctx.conn.execute(
            sa.select(DP.c.source, DP.c.external_id, DP.c.name, DP.c.agent_id,
                      DP.c.environment_id, DP.c.vault_ids)
            .where(LIVE_DEPLOYMENT).order_by(DP.c.source, DP.c.external_id)):
        env = open_envs.get((d.source, d.environment_id))
        held = [c.external_id for v in d.vault_ids or [] for c in creds.get((d.source, v), [])]
        if env is not None and held:
            hits.append(_hit(d.source, SubjectType.DEPLOYMENT, d.external_id, {
                "name": d.name, "agent_id": d.agent_id, "environment": env,
                "vault_ids": list(d.vault_ids or []), "credentials": held}))
    return hits


define(Check(
    id="agent-open-egress-with-secrets",
    title="Deployment with unrestricted networking and vault credentials",
    severity=Severity.HIGH,
    subject_type=SubjectType.DEPLOYMENT,
    rationale="An agent that holds secrets and can reach any host can be talked into sending "
              "them anywhere: one injected instruction is an exfiltration.",
    remediation="Limit the environment's networking to the hosts the agent needs, or take "
                "the vaults off the deployment.",
    actions=("anthropic.pause_deployment", "anthropic.archive_deployment"),
    frameworks=(owasp_asi("ASI02"), owasp_nhi("NHI2"), owasp_nhi("NHI8"), nist_csf("PR.AA-05"),
                soc2("CC6.6"), iso27001("A.5.15")),
    needs=("agent_deployment", "agent_environment", "vault_credential"),
    evaluate=_open_egress_with_secrets,
))


def _running_unowned(ctx: EvalContext) -> list[Hit]:
    owned = {(r.source, r.subject_id) for r in ctx.conn.execute(
        sa.select(NA.c.source, NA.c.subject_id).where(
            NA.c.subject_type == str(NhiKind.AGENT), NA.c.sponsor_email.is_not(None),
            known_person()))}
    return [_hit(d.source, SubjectType.DEPLOYMENT, d.external_id, {
        "name": d.name, "agent_id": d.agent_id, "schedule": d.schedule_expression,
        "last_run_at": d.last_run_at})
        for d in ctx.conn.execute(
            sa.select(DP.c.source, DP.c.external_id, DP.c.name, DP.c.agent_id,
                      DP.c.schedule_expression, DP.c.last_run_at)
            .where(LIVE_DEPLOYMENT).order_by(DP.c.source, DP.c.external_id))
        if (d.source, d.agent_id) not in owned]


define(Check(
    id="agent-running-unowned",
    title="Active or scheduled deployment whose agent has no sponsor",
    severity=Severity.HIGH,
    subject_type=SubjectType.DEPLOYMENT,
    rationale="An agent that keeps running on a schedule with nobody accountable for it is "
              "the non-human version of a leaver's account: it acts, spends and holds "
              "secrets, and nobody will notice when it goes wrong.",
    remediation="Record the agent's sponsor (`tenure sponsor set AGENT --owner …`) or pause "
                "the deployment.",
    actions=("anthropic.pause_deployment", "anthropic.archive_deployment"),
    frameworks=(owasp_nhi("NHI1"), owasp_asi("ASI10"), nist_csf("PR.AA-01"), soc2("CC6.2"),
                iso27001("A.5.16")),
    needs=("person", "agent", "agent_deployment"),
    reads=("sponsor",),
    evaluate=_running_unowned,
))


def _expired_in_use(ctx: EvalContext) -> list[Hit]:
    max_age = ctx.params.int("max_age_days")
    users: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d in ctx.conn.execute(sa.select(DP.c.source, DP.c.external_id, DP.c.vault_ids)
                              .where(LIVE_DEPLOYMENT).order_by(DP.c.external_id)):
        for vault in d.vault_ids or []:
            users[(d.source, vault)].append(d.external_id)
    hits = []
    for (source, vault), creds in sorted(_live_credentials(ctx).items()):
        deployments = users.get((source, vault))
        if not deployments:
            continue
        for c in creds:
            created = c.created_at or c.first_seen_at
            expired = c.status == str(VaultCredentialStatus.EXPIRED) or (
                c.expires_at is not None and c.expires_at <= ctx.now and not c.has_refresh)
            long_lived = (c.expires_at is None and created is not None
                          and created <= ctx.before(max_age))
            if expired or long_lived:
                hits.append(_hit(source, SubjectType.VAULT_CREDENTIAL, c.external_id, {
                    "name": c.display_name, "vault_id": vault, "auth_kind": c.auth_kind,
                    "expires_at": c.expires_at, "created_at": created,
                    "why": "expired" if expired else f"no expiry, older than {max_age} days",
                    "deployments": deployments}))
    return hits


define(Check(
    id="vault-credential-expired-in-use",
    title="Expired or long-lived vault credential referenced by an active deployment",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.VAULT_CREDENTIAL,
    rationale="An expired credential a running deployment still references fails its runs "
              "or gets replaced by hand outside review; a secret that never expires "
              "accumulates copies and outlives its purpose.",
    remediation="Rotate the credential (or configure its refresh), then archive the old one.",
    actions=("anthropic.archive_vault_credential",),
    frameworks=(owasp_nhi("NHI7"), nist_csf("PR.AA-01"), soc2("CC6.1"), iso27001("A.5.17")),
    needs=("agent_deployment", "vault_credential"),
    params=(Param("max_age_days", 365, "Age after which a credential with no expiry "
                  "fails (GitGuardian's long-lived default)."),),
    evaluate=_expired_in_use,
))
