"""Key hygiene: secrets that never expire and keys left in archived workspaces."""

from __future__ import annotations

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Param, Severity, SubjectType, hits_from
from tenure.checks.registry import define
from tenure.checks.sql import C, W, active_key, key_created, key_principal, same_source
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2


def _long_lived_key(ctx: EvalContext) -> list[Hit]:
    age = ctx.params.int("max_age_days")
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.name.label("key_name"), C.c.workspace_id,
                  key_principal().label("owner_id"), key_created().label("created_at"),
                  sa.literal(age).label("max_age_days"))
        .where(active_key(ctx.now), C.c.expires_at.is_(None), key_created() <= ctx.before(age))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("key_name", "workspace_id", "owner_id", "created_at", "max_age_days"))


define(Check(
    id="long-lived-key",
    title="API key older than the rotation period with no expiry",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.API_KEY,
    rationale="A secret that never expires accumulates copies (CI, laptops, chat logs); "
              "rotation bounds how long a leaked copy stays useful.",
    remediation="Rotate the key: issue a replacement, move the service to it, deactivate "
                "the old one. Prefer keys with an expiry where the platform offers it.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI7"), nist_csf("PR.AA-01"), soc2("CC6.1"), iso27001("A.5.17")),
    needs=("credential",),
    params=(Param("max_age_days", 90, "Age after which a key without expiry fails."),),
    evaluate=_long_lived_key,
))


def _key_in_archived_workspace(ctx: EvalContext) -> list[Hit]:
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.name.label("key_name"), C.c.workspace_id,
                  W.c.name.label("workspace_name"), W.c.archived_at,
                  key_principal().label("owner_id"))
        .join(W, sa.and_(same_source(W, C), W.c.external_id == C.c.workspace_id))
        .where(active_key(ctx.now), W.c.status == "archived")
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("key_name", "workspace_id", "workspace_name", "archived_at",
                      "owner_id"))


define(Check(
    id="key-in-archived-workspace",
    title="Active API key in an archived workspace or project",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.API_KEY,
    rationale="Archiving a workspace marks the end of its project; keys left active in it "
              "outlive the purpose they were issued for.",
    remediation="Deactivate the key (archiving the workspace does not on every platform).",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI1"), owasp_nhi("NHI8"), nist_csf("PR.AA-05"), soc2("CC6.2"),
                iso27001("A.5.18")),
    needs=("credential", "workspace"),
    evaluate=_key_in_archived_workspace,
))
