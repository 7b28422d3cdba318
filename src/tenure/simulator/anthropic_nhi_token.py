"""The simulated ``POST /v1/oauth/token`` (RFC 7523 jwt-bearer, vendor-apis-nhi.md §3.4) and
the authentication of the OAuth plane.

The exchange checks what the contract says the vendor checks: both beta values, the grant
type, the organization, a known live rule on a known live issuer, the assertion's ``iss``
(= the issuer URL), ``sub`` (the rule's subject prefix, trailing ``*`` = prefix), ``aud`` (the
rule's audience, else Anthropic's expected one), top-level string ``claims``, a ``condition``
(a small subset of CEL: ``claims.NAME == 'v'`` / ``!=`` joined by ``&&``), ``exp`` in the
future, ``iat`` present and not in the future, the issuer's maximum ``iat``→``exp`` spread,
``jti`` single use when ``check_jti``, the target service account live and (for ``org:admin``)
an admin, the workspace choice and the membership in it. Every refusal is the opaque
``400 invalid_grant`` real clients see; the reason is kept in ``plane.exchanges`` (the
Console's history tab). The simulator does not verify JWT signatures (it has no keys to
verify against); the assertion's header and payload are decoded as sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from tenure.simulator.anthropic_nhi_sa import (
    EXPECTED_AUDIENCE,
    Rule,
    ServiceAccountPlane,
    Token,
)
from tenure.simulator.ids import b58
from tenure.simulator.state import ApiError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OAUTH_BETA = "oauth-2025-04-20"
FEDERATION_BETA = "oidc-federation-2026-04-01"
_CONDITION = re.compile(r"^\s*claims\.(\w+)\s*(==|!=)\s*(['\"])(.*?)\3\s*$")


class GrantError(ApiError):
    """An RFC 6749 error (``error`` + ``error_description``)."""


def _grant(error: str, description: str, status: int = 400) -> GrantError:
    return GrantError(status, error, description)


def betas(headers: Mapping[str, str]) -> set[str]:
    """The ``anthropic-beta`` values of a request."""
    return {v.strip() for v in (headers.get("anthropic-beta") or "").split(",") if v.strip()}


def decode_jwt(assertion: str) -> dict[str, Any]:
    """The payload of a compact JWT (signature not verified)."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWT")
    raw = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        doc = json.loads(base64.urlsafe_b64decode(raw))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"undecodable payload: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("payload is not a JSON object")
    return doc


def _subject_ok(prefix: str | None, sub: str) -> bool:
    if not prefix:
        return True
    return sub.startswith(prefix[:-1]) if prefix.endswith("*") else sub == prefix


def _condition_ok(condition: str | None, claims: Mapping[str, Any]) -> bool:
    if not condition:
        return True
    for part in condition.split("&&"):
        m = _CONDITION.match(part)
        if m is None:
            raise _grant("invalid_grant", "condition is not supported by the simulator")
        value = claims.get(m.group(1))
        equal = isinstance(value, str) and value == m.group(4)
        if equal != (m.group(2) == "=="):
            return False
    return True


def _match(rule: Rule, claims: Mapping[str, Any]) -> str | None:
    """Why ``claims`` fail the rule's match, or None when they pass."""
    match = rule.match
    if not _subject_ok(match.get("subject_prefix"), str(claims.get("sub") or "")):
        return "subject does not match"
    aud = claims.get("aud")
    auds = [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]
    if (match.get("audience") or EXPECTED_AUDIENCE) not in auds:
        return "audience does not match"
    for name, want in (match.get("claims") or {}).items():
        if claims.get(name) != want or not isinstance(claims.get(name), str):
            return f"claim {name} does not match"
    if not _condition_ok(match.get("condition"), claims):
        return "condition is false"
    return None


def exchange(plane: ServiceAccountPlane, headers: Mapping[str, str], body: Any
             ) -> dict[str, Any]:
    """Answer one token request (raises ``GrantError``)."""
    if not {OAUTH_BETA, FEDERATION_BETA} <= betas(headers):
        raise _grant("invalid_request", f"anthropic-beta must include {OAUTH_BETA} and "
                     f"{FEDERATION_BETA}")
    if not isinstance(body, dict):
        raise _grant("invalid_request", "the body must be a JSON object")
    if body.get("grant_type") != JWT_BEARER:
        raise _grant("unsupported_grant_type", "only the jwt-bearer grant is supported")
    with plane.state.lock:
        record: dict[str, Any] = {"federation_rule_id": body.get("federation_rule_id"),
                                  "at": plane.state.elapsed()}
        plane.exchanges.append(record)
        try:
            token = _exchange(plane, body, record)
        except GrantError as exc:
            record["outcome"], record["reason"] = "failure", exc.message
            if exc.type == "invalid_grant":  # opaque to the client, as the vendor is
                raise _grant("invalid_grant", "The assertion was rejected.") from None
            raise
        record["outcome"] = "success"
        return {"access_token": token.token,
                "expires_in": int((token.expires_at or 0) - plane.state.elapsed()),
                "token_type": "Bearer", "scope": token.scope}


def _exchange(plane: ServiceAccountPlane, body: dict[str, Any], record: dict[str, Any]
              ) -> Token:
    org = plane.state.scenario.org
    if body.get("organization_id") not in (org.get("id"), org.get("uuid")):
        raise _grant("invalid_grant", "unknown organization")
    rule = plane.rules.get(str(body.get("federation_rule_id")))
    if rule is None or not rule.live:
        raise _grant("invalid_grant", "unknown or archived federation rule")
    issuer = plane.issuers.get(rule.issuer_id)
    if issuer is None or issuer.archived_at is not None:
        raise _grant("invalid_grant", "the rule's issuer is archived")
    assertion = body.get("assertion")
    if not isinstance(assertion, str):
        raise _grant("invalid_request", "assertion is required")
    try:
        claims = decode_jwt(assertion)
    except ValueError as exc:
        raise _grant("invalid_grant", f"assertion: {exc}") from None
    record["claims"] = {k: claims.get(k) for k in ("iss", "sub", "aud")}
    now = plane.state.now().timestamp()
    if claims.get("iss") != issuer.issuer_url:
        raise _grant("invalid_grant", "iss does not equal the issuer URL")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp <= now:
        raise _grant("invalid_grant", "the assertion has expired")
    if not isinstance(iat, int | float) or iat > now + 60:
        raise _grant("invalid_grant", "iat is missing or in the future")
    if exp - iat > issuer.max_jwt_lifetime_seconds:
        raise _grant("invalid_grant", "the assertion lives longer than the issuer allows")
    why = _match(rule, claims)
    if why is not None:
        raise _grant("invalid_grant", why)
    jti = claims.get("jti")
    if issuer.check_jti and isinstance(jti, str) and jti:
        if (issuer.id, jti) in plane.used_jti:
            raise _grant("invalid_grant", "jti replayed")
        plane.used_jti.add((issuer.id, jti))
    sa = plane.service_accounts.get(rule.service_account_id)
    wanted = body.get("service_account_id")
    if sa is None or sa.archived_at is not None or (wanted and wanted != sa.id):
        raise _grant("invalid_grant", "the target service account is unknown or archived")
    if "org:admin" in rule.oauth_scope.split() and sa.organization_role != "admin":
        raise _grant("invalid_grant", "org:admin rules need an admin service account")
    workspace = _workspace(plane, rule, body.get("workspace_id"))
    legacy_only = rule.workspace_id == workspace and not rule.workspaces \
        and not rule.applies_to_all_workspaces
    if not legacy_only and not plane.is_member(sa.id, workspace):
        raise _grant("invalid_grant", "the service account is not a member of the workspace")
    lifetime = max(60, min(rule.token_lifetime_seconds, int(2 * (exp - now))))
    digest = hashlib.sha256(f"{rule.id}:{len(plane.tokens)}:{now}".encode()).digest()
    token = Token(f"sk-ant-oat01-fed-{b58(int.from_bytes(digest[:16], 'big'), 22)}",
                  rule.oauth_scope, {"type": "service_account_actor",
                                     "service_account_id": sa.id},
                  expires_at=plane.state.elapsed() + lifetime, workspace_id=workspace,
                  rule_id=rule.id)
    plane.tokens[token.token] = token
    plane.log("platform_federated_authentication", {"type": "federated_identity_actor",
              "issuer": issuer.issuer_url, "subject": str(claims.get("sub") or "")},
              event_data={"federation_rule_id": rule.id, "issuer_id": issuer.id,
                          "requested_service_account_id": sa.id},
              status={"outcome": "success"})
    return token


def _workspace(plane: ServiceAccountPlane, rule: Rule, requested: Any) -> str:
    enabled = plane.rule_workspaces(rule)
    default = plane.default_workspace_id()
    if isinstance(requested, str) and requested:
        chosen = default if requested == "default" else requested
        if chosen not in enabled:
            raise _grant("invalid_grant", "the rule is not enabled in the requested workspace")
        return chosen
    if len(enabled) == 1:
        return enabled[0]
    if default in enabled and len([w for w in enabled if w != default]) <= 1:
        return default
    if not enabled:
        raise _grant("invalid_grant", "the rule is enabled in no workspace")
    raise _grant("invalid_request", "workspace_id is required: the rule is enabled in more "
                 "than one workspace")


def authenticate(plane: ServiceAccountPlane, headers: Mapping[str, str], admin_key: str
                 ) -> dict[str, Any]:
    """The principal of an OAuth-plane call (``user_actor`` / ``service_account_actor``).

    Admin API keys are refused with 403; a Bearer token needs ``oauth-2025-04-20`` and
    ``org:admin``.
    """
    key = headers.get("x-api-key")
    auth = headers.get("authorization") or ""
    if key is not None and key == admin_key:
        raise ApiError(403, "permission_error", "Admin API keys are not accepted for this "
                       "endpoint; use an OAuth access token with the org:admin scope.")
    if not auth.lower().startswith("bearer "):
        raise ApiError(401, "authentication_error", "missing OAuth bearer token")
    if OAUTH_BETA not in betas(headers):
        raise ApiError(401, "authentication_error",
                       f"OAuth authentication requires anthropic-beta: {OAUTH_BETA}")
    with plane.state.lock:
        token = plane.tokens.get(auth[7:].strip())
        if token is None or (token.expires_at is not None
                             and token.expires_at <= plane.state.elapsed()):
            raise ApiError(401, "authentication_error", "invalid or expired OAuth token")
        if "org:admin" not in token.scope.split():
            raise ApiError(403, "permission_error", "this token does not have org:admin")
        return {**token.principal, "ip_address": "127.0.0.1", "user_agent": ""}
