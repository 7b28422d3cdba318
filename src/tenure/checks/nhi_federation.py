"""Workload identity federation: rules that admit too much or mint too much, and issuers
whose key checks are off or failing (vendor-apis-nhi.md §3). A source that could not read
rules or issuers reports ``manual`` through the checks' ``needs``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Severity, SubjectType, hits_from
from tenure.checks.nhi_sql import FI, FR
from tenure.checks.registry import define
from tenure.frameworks import iso27001, nist_csf, owasp_asi, owasp_nhi, soc2

LIVE_RULE = sa.and_(FR.c.archived_at.is_(None), FR.c.removed_at.is_(None))
RULE_EVIDENCE = ("name", "subject_prefix", "audience", "oauth_scope",
                 "applies_to_all_workspaces", "target_service_account_id")


def _rule_columns() -> list[sa.ColumnElement[Any]]:
    return [FR.c.source, FR.c.external_id.label("subject_id"),
            sa.null().label("subject_email"), sa.null().label("person"), FR.c.name,
            FR.c.subject_prefix, FR.c.audience, FR.c.oauth_scope,
            FR.c.applies_to_all_workspaces, FR.c.target_service_account_id]


def _empty_json(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    text = sa.cast(column, sa.Text)
    return sa.or_(column.is_(None), text.in_(("{}", "null", "")))


def _broad_match(ctx: EvalContext) -> list[Hit]:
    prefix = FR.c.subject_prefix
    wildcard = sa.or_(prefix.is_(None), prefix == "", prefix.like("%*"))
    unnarrowed = sa.and_(_empty_json(FR.c.claims),
                         sa.or_(FR.c.condition.is_(None), FR.c.condition == ""))
    # A pull_request subject is a run of any pull request, including forks' code.
    forks = prefix.like("%:pull_request%")
    why = sa.case((forks, "subject admits pull-request runs, forks included"),
                  (sa.or_(prefix.is_(None), prefix == ""), "no subject constraint"),
                  else_="trailing wildcard on the subject")
    stmt = (sa.select(*_rule_columns(), why.label("why"))
            .where(LIVE_RULE, sa.or_(forks, sa.and_(wildcard, unnarrowed)))
            .order_by(FR.c.source, FR.c.external_id))
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.WORKLOAD_IDENTITY,
                     (*RULE_EVIDENCE, "why"))


define(Check(
    id="federation-rule-broad-match",
    title="Federation rule whose match admits more than the intended workload",
    severity=Severity.HIGH,
    subject_type=SubjectType.WORKLOAD_IDENTITY,
    rationale="A rule whose subject ends in a wildcard (any branch, any pull request — "
              "forks included) with no claims or condition lets any workload the issuer "
              "signs for become the service account: on a shared CI issuer that is anyone "
              "who can open a pull request.",
    remediation="Pin the subject to the exact workload (repo:ORG/REPO:ref:refs/heads/main or "
                "an environment), add claims or a CEL condition on the repository owner, and "
                "never accept pull_request subjects for a privileged account.",
    actions=("anthropic.archive_federation_rule",),
    frameworks=(owasp_nhi("NHI4"), owasp_nhi("NHI9"), owasp_asi("ASI03"), nist_csf("PR.AA-03"),
                nist_csf("PR.AA-04"), soc2("CC6.1"), iso27001("A.5.17")),
    needs=("federation_rule",),
    evaluate=_broad_match,
))


def _privileged(ctx: EvalContext) -> list[Hit]:
    org_admin = sa.func.coalesce(FR.c.oauth_scope, "").like("%org:admin%")
    why = sa.case((sa.and_(org_admin, FR.c.applies_to_all_workspaces),
                   "mints org:admin and applies to all workspaces"),
                  (org_admin, "mints org:admin tokens"), else_="applies to all workspaces")
    stmt = (sa.select(*_rule_columns(), FR.c.token_lifetime_seconds, why.label("why"))
            .where(LIVE_RULE, sa.or_(org_admin, FR.c.applies_to_all_workspaces))
            .order_by(FR.c.source, FR.c.external_id))
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.WORKLOAD_IDENTITY,
                     (*RULE_EVIDENCE, "token_lifetime_seconds", "why"))


define(Check(
    id="federation-rule-privileged",
    title="Federation rule that mints org:admin or applies to all workspaces",
    severity=Severity.HIGH,
    subject_type=SubjectType.WORKLOAD_IDENTITY,
    rationale="A workload that can exchange its token for org:admin changes who has access "
              "to the whole organization; a rule on all workspaces reaches every future "
              "workspace too. Either should be rare, named and reviewed.",
    remediation="Narrow the rule to workspace:developer or workspace:inference in named "
                "workspaces; keep org:admin for an interactive, reviewed path.",
    actions=("anthropic.archive_federation_rule",),
    frameworks=(owasp_nhi("NHI5"), owasp_asi("ASI03"), nist_csf("PR.AA-05"), soc2("CC6.3"),
                iso27001("A.8.2")),
    needs=("federation_rule",),
    evaluate=_privileged,
))


def _issuer_unhealthy(ctx: EvalContext) -> list[Hit]:
    disabled = FI.c.jwks_polling_disabled_at.is_not(None)
    failing = FI.c.consecutive_failures > 0
    no_jti = sa.not_(FI.c.check_jti)
    why = sa.case((disabled, "JWKS polling disabled by the vendor after repeated failures"),
                  (failing, "JWKS polling failing"), else_="check_jti off (tokens replayable)")
    stmt = (sa.select(FI.c.source, FI.c.external_id.label("subject_id"),
                      sa.null().label("subject_email"), sa.null().label("person"), FI.c.name,
                      FI.c.issuer_url, FI.c.check_jti, FI.c.jwks_polling_disabled_at,
                      FI.c.consecutive_failures, why.label("why"))
            .where(FI.c.archived_at.is_(None), FI.c.removed_at.is_(None),
                   sa.or_(disabled, failing, no_jti))
            .order_by(FI.c.source, FI.c.external_id))
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.FEDERATION_ISSUER,
                     ("name", "issuer_url", "check_jti", "jwks_polling_disabled_at",
                      "consecutive_failures", "why"))


define(Check(
    id="federation-issuer-unhealthy",
    title="Federation issuer with key polling disabled or failing, or jti checks off",
    severity=Severity.MEDIUM,
    subject_type=SubjectType.FEDERATION_ISSUER,
    rationale="With polling paused, rotated or revoked signing keys are not picked up; with "
              "check_jti off, a captured token can be replayed until it expires.",
    remediation="Fix the issuer's JWKS endpoint and re-enable polling; turn check_jti on "
                "unless one assertion must serve several exchanges (then keep lifetimes "
                "short).",
    actions=("anthropic.archive_federation_rule",),
    frameworks=(owasp_nhi("NHI4"), nist_csf("PR.AA-04"), soc2("CC6.1"), iso27001("A.5.17")),
    needs=("federation_issuer",),
    evaluate=_issuer_unhealthy,
))
