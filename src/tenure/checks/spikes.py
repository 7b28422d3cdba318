"""Usage spikes: a key suddenly doing many times its normal daily volume."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tenure.checks.base import Check, EvalContext, Hit, Param, Severity, SubjectType, hits_from
from tenure.checks.registry import define
from tenure.checks.sql import KEY_USAGE, C, U, active_key, usage_volume
from tenure.frameworks import iso27001, nist_csf, owasp_nhi, soc2


def _key_usage_spike(ctx: EvalContext) -> list[Hit]:
    recent_days = ctx.params.int("window_days")
    baseline_days = ctx.params.int("baseline_days")
    recent_start = ctx.day_before(recent_days)
    baseline_start = recent_start - timedelta(days=baseline_days)
    key = (U.c.source, U.c.tenant, U.c.subject_id)
    volume = usage_volume(str(ctx.params.values["metric"])).label("volume")
    is_key = U.c.subject_type == KEY_USAGE
    # Median in portable SQL: the middle row(s) of each key's ordered baseline days.
    ranked = (
        sa.select(*key, volume,
                  sa.func.row_number().over(partition_by=key, order_by=volume.element)
                  .label("rn"),
                  sa.func.count().over(partition_by=key).label("cnt"))
        .where(is_key, U.c.day >= baseline_start, U.c.day < recent_start)
        .subquery("ranked")
    )
    baseline = (
        sa.select(ranked.c.source, ranked.c.tenant, ranked.c.subject_id,
                  sa.func.avg(ranked.c.volume).label("median"),
                  sa.func.max(ranked.c.cnt).label("days"))
        .where(sa.or_(ranked.c.rn == (ranked.c.cnt + 1) // 2,
                      ranked.c.rn == (ranked.c.cnt + 2) // 2))
        .group_by(ranked.c.source, ranked.c.tenant, ranked.c.subject_id)
        .subquery("baseline")
    )
    peak = (
        sa.select(*key, sa.func.max(volume.element).label("peak"),
                  sa.func.max(U.c.day).label("last_day"))
        .where(is_key, U.c.day >= recent_start)
        .group_by(*key)
        .subquery("peak")
    )
    peak_day = (sa.select(sa.func.min(U.c.day))
                .where(U.c.source == peak.c.source, U.c.tenant == peak.c.tenant,
                       U.c.subject_id == peak.c.subject_id, is_key,
                       U.c.day >= recent_start, volume.element == peak.c.peak)
                .scalar_subquery())
    stmt = (
        sa.select(C.c.source, C.c.external_id.label("subject_id"),
                  sa.null().label("subject_email"), sa.null().label("person"),
                  C.c.name.label("key_name"), peak.c.peak.label("peak_volume"),
                  peak_day.label("peak_day"), baseline.c.median.label("baseline_median"),
                  baseline.c.days.label("baseline_days"))
        .join(peak, sa.and_(peak.c.source == C.c.source, peak.c.tenant == C.c.tenant,
                            peak.c.subject_id == C.c.external_id))
        .join(baseline, sa.and_(baseline.c.source == C.c.source,
                                baseline.c.tenant == C.c.tenant,
                                baseline.c.subject_id == C.c.external_id))
        .where(active_key(ctx.now), baseline.c.days >= ctx.params.int("min_baseline_days"),
               peak.c.peak >= ctx.params.int("min_volume"),
               peak.c.peak > baseline.c.median * ctx.params.number("factor"))
    )
    return hits_from(ctx.conn.execute(stmt).mappings(), SubjectType.API_KEY,
                     ("key_name", "peak_volume", "peak_day", "baseline_median",
                      "baseline_days"))


define(Check(
    id="key-usage-spike",
    title="API key usage spike",
    severity=Severity.HIGH,
    subject_type=SubjectType.API_KEY,
    rationale="A day of many times a key's normal volume is the typical sign of a leaked "
              "key being abused (or of a runaway job burning budget).",
    remediation="Check where the requests came from; rotate the key if the use is not "
                "explained.",
    actions=("anthropic.set_key_status", "openai.delete_key"),
    frameworks=(owasp_nhi("NHI2"), nist_csf("DE.CM-03"), nist_csf("DE.AE-02"), soc2("CC7.2"),
                iso27001("A.8.16")),
    needs=("credential", "usage"),
    params=(Param("window_days", 7, "Recent days searched for a spike."),
            Param("baseline_days", 30, "Trailing days (before the window) of the baseline."),
            Param("factor", 10, "Multiple of the baseline daily median that is a spike."),
            Param("metric", "tokens", "Daily volume measured: tokens (input + output) or "
                  "requests.", choices=("tokens", "requests")),
            Param("min_volume", 10_000, "Minimum volume in a day for it to be a spike."),
            Param("min_baseline_days", 7, "Days with usage needed to have a baseline.")),
    evaluate=_key_usage_spike,
))
