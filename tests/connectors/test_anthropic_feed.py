"""Contract tests: the Compliance activity feed from recorded pages in tests/data/anthropic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenure.connectors.anthropic import feed
from tenure.connectors.anthropic.feed_targets import targets
from tenure.model import ActivityCategory, ActorKind, TargetRelation

DATA = Path(__file__).parent.parent / "data" / "anthropic"


def page(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / f"{name}.json").read_text())["data"]
    return data


def test_compliance_activities_normalized() -> None:
    acts = {a.external_id: a for a in (feed.compliance_activity(o) for o in page("activities"))}
    key = acts["activity_09KeyArchived00000000"]
    assert (key.actor_kind, key.actor_id, key.actor_email) == (
        "user", "user_01WCz1FkmYMm4gnmykNKUu3Q", "jane.doe@acme.test")
    assert (key.category, key.target_type, key.target_id) == (
        "admin", "api_key", "apikey_04Legacy0000000000000")
    scim = acts["activity_08ScimDelete000000000"]
    assert (scim.actor_kind, scim.actor_id, scim.category) == ("scim", "directory_01Okta",
                                                               "admin")
    assert (scim.target_type, scim.target_id) == ("user", "user_09Gone000000000000000")
    fed = acts["activity_07Federated0000000000"]
    assert fed.actor_kind == "federated"
    assert fed.category == "content"
    assert fed.actor_id == ("https://token.actions.githubusercontent.com|"
                            "repo:acme/app:ref:refs/heads/main")
    api = acts["activity_06ApiKeyActor00000000"]
    assert (api.actor_kind, api.credential_id) == ("api_key", "apikey_01Rj2N8SVvo6BePZj99NhmiT")
    assert api.workspace_id == "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
    assert api.category == "admin"
    fail = acts["activity_05LoginFail0000000000"]  # the vendor sent "Mallory@evil.test"
    assert (fail.actor_kind, fail.actor_email, fail.category) == (
        "unauthenticated", "mallory@evil.test", "login")  # emails are matched lower-cased
    assert acts["activity_04Login00000000000000"].category == "login"
    chat = acts["activity_01XyDMpzjS89pFZXqSFUBDr6"]
    assert (chat.category, chat.target_type) == ("content", "chat")
    meta = acts["activity_00Meta00000000000000"]  # an actor type the contract does not list
    assert (meta.actor_kind, meta.actor_id, meta.category) == (
        ActorKind.UNKNOWN, "anthropic_staff_actor", "other")


@pytest.mark.parametrize(("activity_type", "category"), [
    ("org_user_deleted", "admin"), ("org_user_invite_sent", "admin"),
    ("claude_user_role_updated", "admin"), ("api_key_created", "admin"),
    ("admin_api_key_deleted", "admin"), ("platform_workspace_archived", "admin"),
    ("org_sso_settings_updated", "admin"), ("workspace_spend_limit_updated", "admin"),
    ("magic_link_login_succeeded", "login"), ("user_logged_out", "login"),
    ("session_revoked", "login"), ("claude_file_uploaded", "content"),
    ("compliance_api_accessed", "other"), ("platform_usage_report_messages_viewed", "other"),
])
def test_activity_categories(activity_type: str, category: str) -> None:
    assert feed.activity_category(activity_type) == category


def test_feed_row_without_time_is_an_error() -> None:
    with pytest.raises(ValueError, match="created_at"):
        feed.compliance_activity({"id": "activity_1", "type": "x"})


def _identity() -> dict[str, Any]:
    return {a.external_id: a for a in (
        feed.compliance_activity(o, tenure_key_id="apikey_01TenureAdmin00000000")
        for o in page("activities_identity"))}


def test_every_actor_type_maps_with_its_id() -> None:
    acts = _identity()
    kinds = {k: (acts[k].actor_kind, acts[k].actor_id, acts[k].credential_id) for k in (
        "activity_30StaffAccess0000000", "activity_29System000000000000",
        "activity_28SystemNoSvc0000000", "activity_26AdminKeyOther00000",
        "activity_25ServiceAccount0000", "activity_22RbacAssigned000000",
        "activity_21RbacUnassigned0000", "activity_08FutureActor000000",
        "activity_07NoActor0000000000")}
    assert kinds == {
        "activity_30StaffAccess0000000": (ActorKind.VENDOR_STAFF, feed.VENDOR_STAFF_ID, None),
        "activity_29System000000000000": (ActorKind.SYSTEM, "invite-expiry", None),
        "activity_28SystemNoSvc0000000": (ActorKind.SYSTEM, feed.SYSTEM_ID, None),
        "activity_26AdminKeyOther00000": (ActorKind.ADMIN_KEY, "apikey_01OpsAdmin0000000000",
                                          "apikey_01OpsAdmin0000000000"),
        "activity_25ServiceAccount0000": (ActorKind.SERVICE_ACCOUNT,
                                          "svac_01Deployer000000000000", None),
        "activity_22RbacAssigned000000": (ActorKind.SCIM, "directory_01Okta", None),
        "activity_21RbacUnassigned0000": (
            ActorKind.FEDERATED,
            "https://token.actions.githubusercontent.com|repo:acme/infra:ref:refs/heads/main",
            None),
        "activity_08FutureActor000000": (ActorKind.UNKNOWN, "robot_actor_2027", None),
        "activity_07NoActor0000000000": (ActorKind.UNKNOWN, None, None),
    }
    assert feed.unknown_actor_type(page("activities_identity")[-2]) == "robot_actor_2027"
    assert feed.unknown_actor_type(page("activities_identity")[-1]) == "(no actor)"
    assert feed.unknown_actor_type(page("activities_identity")[0]) is None


def test_tenure_own_admin_key_is_recognised() -> None:
    own = _identity()["activity_27AdminKeyRevoke0000"]
    assert (own.actor_kind, own.actor_id, own.credential_id) == (
        ActorKind.TENURE, "apikey_01TenureAdmin00000000", "apikey_01TenureAdmin00000000")
    plain = feed.compliance_activity(page("activities_identity")[3])  # no key configured
    assert plain.actor_kind is ActorKind.ADMIN_KEY


def test_staff_access_has_its_own_category() -> None:
    staff = _identity()["activity_30StaffAccess0000000"]
    assert staff.category is ActivityCategory.VENDOR_ACCESS
    assert feed.activity_category("anthropic_access_granted") == "vendor_access"


def _targets(activity_id: str) -> list[tuple[str, str, str | None, str | None, str | None]]:
    return [(t.relation, t.target_type, t.target_id, t.target_email, t.role)
            for t in _identity()[activity_id].targets]


def test_identity_events_name_who_was_affected() -> None:
    s, r = TargetRelation.SUBJECT, TargetRelation.RESOURCE
    assert _targets("activity_27AdminKeyRevoke0000") == [
        (s, "user", "user_09Gone000000000000000", "gone.person@acme.test", None)]
    assert _targets("activity_16UserDeletedOld0000") == [  # the older generic spelling
        (s, "user", "user_08Old0000000000000000000", "old@acme.test", None)]
    assert _targets("activity_24RoleGranted0000000") == [
        (s, "user", "user_03Cara00000000000000000", None, "project_admin"),
        (r, "claude_project", "claude_proj_01KGp4eZNug9ri4kE35RSppq", None, None)]
    assert _targets("activity_23RoleRevoked0000000") == [  # no resource in this record
        (s, "group", "group_01Eng", None, "project_user")]
    assert _targets("activity_22RbacAssigned000000") == [
        (s, "account", "user_03Cara00000000000000000", None, "rbac_role_01Admins0000000")]
    assert _targets("activity_21RbacUnassigned0000") == [
        (s, "group", "rbac_group_01Contractors", None, "rbac_role_01Admins0000000")]
    assert _targets("activity_20GroupAdded00000000") == [
        (s, "account", "user_05Eve000000000000000000", None, None),
        (s, "account", "user_02Bob000000000000000000", None, None),
        (r, "group", "rbac_group_01Contractors", None, None)]
    assert _targets("activity_19GroupRemoved000000") == [
        (r, "group", "rbac_group_01Contractors", None, None)]
    assert _targets("activity_18OwnerTransfer00000") == [
        (TargetRelation.PREVIOUS_OWNER, "user", "user_01WCz1FkmYMm4gnmykNKUu3Q", None,
         "primary_owner"),
        (TargetRelation.NEW_OWNER, "user", "user_02Bob000000000000000000", None,
         "primary_owner")]
    assert _targets("activity_17InviteSent00000000") == [
        (s, "invite", None, "new.hire@acme.test", "developer")]
    assert _targets("activity_15UserLeft0000000000") == [
        (s, "user", "user_07Leaver000000000000000", None, "developer")]
    assert _targets("activity_26AdminKeyOther00000") == [
        (s, "user", "user_05Eve000000000000000000", None, None),
        (r, "workspace", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", None, None)]
    assert _targets("activity_25ServiceAccount0000") == [
        (s, "service_account", "svac_01Worker0000000000000", None, None),
        (r, "workspace", "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ", None, None)]
    assert _targets("activity_14CcrAgent0000000000") == [
        (s, "claude_code_agent", "cagt_01Reviewer00000000000", None, None)]
    assert _targets("activity_12ServiceKey00000000") == [
        (s, "service_key", "srvkey_01Export00000000000", None, None)]
    assert _targets("activity_13Federation00000000") == [
        (s, "federation_rule", "fdrl_01Deploy000000000000", None, None)]
    # Content and meta events have no stored targets, only their primary target; staff
    # access always lists what it touched.
    assert _identity()["activity_28SystemNoSvc0000000"].targets == ()
    assert _targets("activity_30StaffAccess0000000") == [
        (s, "chat", "claude_chat_01Staff000000000000000", None, None)]
    # The primary target of an identity event is its first subject.
    granted = _identity()["activity_24RoleGranted0000000"]
    assert (granted.target_type, granted.target_id) == ("user", "user_03Cara00000000000000000")


@pytest.mark.parametrize("activity_type", [
    "ccr_agent_created", "ccr_agent_proxy_credential_rotated", "platform_federation_rule_updated",
    "platform_federation_issuer_archived", "platform_service_account_archived",
    "service_key_revoked", "org_capability_grant_added", "org_invite_link_created",
])
def test_identity_families_are_admin_events(activity_type: str) -> None:
    assert feed.activity_category(activity_type) == ActivityCategory.ADMIN


def test_federated_authentication_is_a_sign_in() -> None:
    assert _identity()["activity_09FedAuth0000000000"].category is ActivityCategory.LOGIN


def test_a_federated_login_names_the_service_account_and_the_rule() -> None:
    assert _targets("activity_09FedAuth0000000000") == [
        (TargetRelation.SUBJECT, "service_account", "svac_01Deployer000000000000", None, None),
        (TargetRelation.RESOURCE, "federation_rule", "fdrl_01Deploy000000000000", None, None)]
    refused = {"status": {"outcome": "failure", "reason": "subject"},
               "event_data": {"federation_rule_id": "fdrl_x",
                              "requested_service_account_id": "svac_x"}}
    assert targets("platform_federated_authentication", refused, None) == ()
