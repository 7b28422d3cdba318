"""Offboarding: leavers who keep access, keys nobody answers for, seats nobody owns."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from tenure.checks.base import (
    Check,
    EvalContext,
    FindingStatus,
    Hit,
    Param,
    Severity,
    SubjectType,
    hits_from,
)
from tenure.checks.registry import define
from tenure.checks.sql import (
    A,
    C,
    P,
    active_key,
    key_principal,
    live_human_seat,
    terminated_before,
)
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2
from tenure.model import OwnerKind

_GRACE = Param("grace_days", 0, "Days after the HR end date before a remaining account fails.")


def _leaver_active_account(ctx: EvalContext) -> list[Hit]:
    cutoff = ctx.day_before(ctx.params.int("grace_days"))
    stmt = (
        sa.select(A.c.source, A.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), P.c.email.label("person"),
                  P.c.end_date, A.c.role, A.c.created_at.label("account_created_at"))
        .join(P, P.c.email == A.c.person_email)
        .where(live_human_seat(), terminated_before(cutoff))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.ACCOUNT,
                     ("end_date", "role", "account_created_at"))


define(Check(
    id="leaver-active-account",
    title="Leaver still has a platform account",
    severity=Severity.CRITICAL,
    subject_type=SubjectType.ACCOUNT,
    rationale="A person terminated in the identity source can still sign in and use the "
              "platform, its data and its spend: the most common offboarding failure.",
    remediation="Remove the user from the platform organization (and its workspaces), then "
                "review the keys they created.",
    actions=("anthropic.remove_org_user", "openai.delete_user"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-01"), nist_csf("PR.AA-05"), soc2("CC6.2"),
                iso27001("A.5.16"), iso27001("A.5.18")),
    needs=("person", "account"),
    params=(_GRACE,),
    evaluate=_leaver_active_account,
))

_OWNER = A.alias("owner")


def _key_owner_join() -> sa.FromClause:
    return C.outerjoin(_OWNER, sa.and_(_OWNER.c.source == C.c.source,
                                       _OWNER.c.tenant == C.c.tenant,
                                       _OWNER.c.external_id == key_principal()))


def _leaver_active_key(ctx: EvalContext) -> list[Hit]:
    cutoff = ctx.day_before(ctx.params.int("grace_days"))
    sa_owned = C.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT)
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  _OWNER.c.email.label("subject_email"), P.c.email.label("person"),
                  key_principal().label("owner_id"), C.c.name.label("key_name"),
                  C.c.workspace_id, P.c.end_date, C.c.created_at,
                  sa.case((sa_owned, C.c.owner_id), else_=sa.null()).label(
                      "service_account_id"))
        .select_from(_key_owner_join().join(P, P.c.email == _OWNER.c.person_email))
        .where(active_key(ctx.now), terminated_before(cutoff))
    )
    rows = list(ctx.conn.execute(stmt).mappings())
    evidence = ("owner_id", "key_name", "workspace_id", "end_date", "created_at")
    owned = hits_from([r for r in rows if r["service_account_id"] is None],
                      SubjectType.API_KEY, evidence)
    # A service account's key that a leaver created: the service account owns it, so it is
    # not "owned by a leaver"; its sponsor decides (the leaver trigger plans a review too).
    created = hits_from([r for r in rows if r["service_account_id"] is not None],
                        SubjectType.API_KEY, (*evidence, "service_account_id"),
                        status=FindingStatus.MANUAL)
    return owned + [replace(h, evidence={**h.evidence, "reason": (
        "owned by a service account and created by a leaver: the service account's sponsor "
        "decides whether it stays (rotate it if the leaver saw the secret)")})
        for h in created]


define(Check(
    id="leaver-active-key",
    title="Active API key owned by a leaver",
    severity=Severity.CRITICAL,
    subject_type=SubjectType.API_KEY,
    rationale="Removing a leaver's seat does not revoke the keys they created: the secret "
              "keeps working, possibly in a laptop or a repository the leaver still has.",
    remediation="Deactivate or rotate the key; if a service depends on it, issue a new key "
                "owned by a current employee or service account.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-01"), soc2("CC6.2"), iso27001("A.5.17"),
                iso27001("A.5.18")),
    needs=("person", "account", "credential"),
    params=(_GRACE,),
    evaluate=_leaver_active_key,
))


_SA_OWNER = A.alias("sa_owner")


def _orphaned_key(ctx: EvalContext) -> list[Hit]:
    return _orphaned_user_keys(ctx) + _service_account_keys(ctx)


def _service_account_keys(ctx: EvalContext) -> list[Hit]:
    """A key owned by a service account is never an orphan: the service account owns it and
    its sponsor answers for it (``nhi-without-sponsor`` judges that). Where the owning
    service account is not in the store (its plane not read, e.g. no OAuth credential) the
    key is ``manual`` with that reason, never ``fail``; a listed service account is its
    owner."""
    listed = sa.exists().where(
        _SA_OWNER.c.source == C.c.source, _SA_OWNER.c.tenant == C.c.tenant,
        _SA_OWNER.c.external_id == C.c.owner_id, _SA_OWNER.c.removed_at.is_(None))
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.owner_id.label("service_account_id"), C.c.name.label("key_name"),
                  C.c.workspace_id, C.c.creator_id, C.c.created_at,
                  sa.literal("owned by a service account Tenure has not read (its plane "
                             "needs an OAuth org:admin credential): its sponsor is accountable "
                             "for this key; confirm who that is").label("reason"))
        .where(active_key(ctx.now), C.c.owner_type == str(OwnerKind.SERVICE_ACCOUNT),
               sa.not_(listed))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("service_account_id", "key_name", "workspace_id", "creator_id",
                      "created_at", "reason"), status=FindingStatus.MANUAL)


def _orphaned_user_keys(ctx: EvalContext) -> list[Hit]:
    known_person = sa.exists().where(P.c.email == _OWNER.c.person_email, P.c.removed_at.is_(None))
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  _OWNER.c.email.label("subject_email"), sa.null().label("person"),
                  key_principal().label("owner_id"), C.c.name.label("key_name"),
                  C.c.workspace_id, C.c.created_at,
                  _OWNER.c.removed_at.label("owner_removed_at"),
                  C.c.owner_access)
        .select_from(_key_owner_join())
        .where(active_key(ctx.now), sa.or_(C.c.owner_type.is_(None),
                                           C.c.owner_type != str(OwnerKind.SERVICE_ACCOUNT)),
               sa.or_(
            # The platform itself says the owner lost access to the key's scope (OpenAI
            # owner_project_access): nobody inside that scope answers for the key.
            C.c.owner_access == "inactive",
            sa.and_(sa.or_(_OWNER.c.id.is_(None), _OWNER.c.removed_at.is_not(None)),
                    sa.not_(known_person))))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("owner_id", "key_name", "workspace_id", "created_at",
                      "owner_removed_at", "owner_access"))


define(Check(
    id="orphaned-key",
    title="Active API key with no accountable owner",
    severity=Severity.HIGH,
    subject_type=SubjectType.API_KEY,
    rationale="A key whose creator has left the platform organization and matches no one in "
              "the identity source, or whose owner the platform reports as no longer having "
              "access to the key's project, has nobody to rotate it, answer for its use or "
              "notice its leak.",
    remediation="Find the service using the key (usage by workspace, request logs), assign an "
                "owner and re-issue the key under them, or deactivate it.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI1"), nist_csf("PR.AA-01"), soc2("CC6.2"), iso27001("A.5.16"),
                iso27001("A.5.17")),
    needs=("person", "account", "credential"),
    evaluate=_orphaned_key,
))


def _unmatched_account(ctx: EvalContext) -> list[Hit]:
    stmt = (
        sa.select(A.c.source, A.c.external_id.label("subject_id"),
                  A.c.email.label("subject_email"), sa.null().label("person"), A.c.role,
                  A.c.name, A.c.created_at)
        .where(live_human_seat(), A.c.person_email.is_(None))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.ACCOUNT,
                     ("role", "name", "created_at"))


define(Check(
    id="unmatched-account",
    title="Platform account matches no person",
    severity=Severity.HIGH,
    subject_type=SubjectType.ACCOUNT,
    rationale="A seat that matches nobody in the identity source is outside joiner/mover/"
              "leaver control: a personal address, a contractor never onboarded, or a shadow "
              "account.",
    remediation="Link it to its person (`tenure identity link`) when it is a known alias; "
                "otherwise remove the user.",
    actions=("anthropic.remove_org_user", "openai.delete_user"),
    frameworks=(nist_csf("PR.AA-01"), soc2("CC6.1"), soc2("CC6.2"), iso27001("A.5.16")),
    needs=("person", "account"),
    evaluate=_unmatched_account,
))
