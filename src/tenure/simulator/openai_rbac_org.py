"""Groups, custom roles and role assignments of a generated OpenAI organization, with plants.

Permission strings follow the vocabulary of OpenAI's RBAC guide and the roles API examples
(``api.groups.write``, ``api.organization.admin_api_keys.write`` ...); the predefined roles
carry the permissions the guide's table gives them. Plants (subject in brackets):

==============================  ==========================================================
privilege-via-group             a reader made an org Owner through the direct group
                                Platform-Admins (the account)
custom-role-privileged          the custom org role "Key Custodian", which permits
                                ``api.organization.admin_api_keys.write`` (the role), held
                                directly
disabled-seat-still-granted     a banned seat that still holds a role assignment, a group
                                membership and a project key (the account)
idp-group-drift                 the SCIM-managed group Research-Team (the group): judged
                                ``manual`` — the scenario pushes no SCIM groups to Tenure, so
                                the IdP's copy is unknown (a test that pushes it finds the drift)
==============================  ==========================================================

Also: the SCIM-managed group Research-Team (Okta) with the harmless custom role "Model
Tester"; the direct group Data-Science, which alone gives its member the Research project
(a project reached only through a group, as project Member); a custom project role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tenure.simulator.population import DAY

if TYPE_CHECKING:
    from tenure.simulator.openai_org import _Builder

ORG_OWNER = ("api.organization.users.write", "api.organization.users.read",
             "api.organization.admin_api_keys.write", "api.organization.projects.write",
             "api.groups.read", "api.groups.write", "api.roles.read", "api.roles.write",
             "api.usage.read", "api.model.read", "api.model.request")
ORG_READER = ("api.organization.read", "api.groups.read", "api.roles.read",
              "api.model.read", "api.model.request", "api.files.read")
PROJECT_OWNER = ("api.organization.projects.users.write", "api.service_accounts.write",
                 "api.organization.projects.api_keys.write", "api.model.request",
                 "api.files.write")
PROJECT_MEMBER = ("api.model.request", "api.files.write", "api.files.read",
                  "api.organization.projects.api_keys.write")
PROJECT_VIEWER = ("api.model.read", "api.files.read")


def _role(b: _Builder, name: str, perms: tuple[str, ...], resource: str, *,
          predefined: bool = False, project_id: str | None = None,
          description: str | None = None) -> str:
    role_id = f"role_{b._alnum(20)}"
    b.doc["roles"].append({"id": role_id, "name": name, "description": description,
                           "permissions": list(perms), "resource_type": resource,
                           "project_id": project_id, "predefined_role": predefined})
    return role_id


def _group(b: _Builder, name: str, created_days: int, *, scim: bool = False) -> str:
    group_id = f"group_{b._alnum(20)}"
    b.doc["groups"].append({"id": group_id, "name": name, "created_at": -created_days * DAY,
                            "is_scim_managed": scim, "group_type": "group"})
    return group_id


def _members(b: _Builder, group_id: str, users: list[str], added_days: int) -> None:
    for user_id in users:
        b.doc["group_users"].append({"group_id": group_id, "user_id": user_id,
                                     "added_at": -added_days * DAY})


def _assign(b: _Builder, ptype: str, pid: str, role_id: str, days: int,
            project_id: str | None = None) -> None:
    b.doc["role_assignments"].append({"principal_type": ptype, "principal_id": pid,
                                      "role_id": role_id, "project_id": project_id,
                                      "created_at": -days * DAY})


def build_rbac(b: _Builder, *, readers: list[str], banned: str, projects: dict[str, str]
               ) -> None:
    """Add groups, roles, assignments and project groups to the builder's document and plant
    the problems above. ``readers`` are seven reader user ids (r3..r9 of ``build_openai``),
    ``banned`` the seat to ban, ``projects`` the project ids by name."""
    for key in ("groups", "group_users", "roles", "role_assignments", "project_groups"):
        b.doc.setdefault(key, [])
    r3, r4, _r5, r6, r7, r8, r9 = readers
    owner = _role(b, "Owner", ORG_OWNER, "api.organization", predefined=True)
    _role(b, "Reader", ORG_READER, "api.organization", predefined=True)
    _role(b, "Owner", PROJECT_OWNER, "api.project", predefined=True)
    member = _role(b, "Member", PROJECT_MEMBER, "api.project", predefined=True)
    viewer = _role(b, "Viewer", PROJECT_VIEWER, "api.project", predefined=True)
    custodian = _role(b, "Key Custodian", ("api.organization.admin_api_keys.write",
                                           "api.organization.admin_api_keys.read",
                                           "api.usage.read"),
                      "api.organization", description="Manages admin API keys")
    tester = _role(b, "Model Tester", ("api.model.read", "api.model.request",
                                       "api.evals.write"), "api.organization",
                   description="Models read and request, evals")
    tuner = _role(b, "Fine-tuner", ("api.fine_tuning.write", "api.files.write",
                                    "api.model.request"), "api.project",
                  project_id=projects["Research"])

    admins = _group(b, "Platform-Admins", 120)
    _members(b, admins, [r3], 90)
    _assign(b, "group", admins, owner, 110)

    research_team = _group(b, "Research-Team", 200, scim=True)
    _members(b, research_team, [r6, r7, r8], 150)
    _assign(b, "group", research_team, tester, 190)

    data_science = _group(b, "Data-Science", 100)
    _members(b, data_science, [r9, banned], 60)
    b.doc["project_groups"].append({"project_id": projects["Research"],
                                    "group_id": data_science, "role": member,
                                    "created_at": -80 * DAY})
    b.doc["project_groups"].append({"project_id": projects["Research"],
                                    "group_id": research_team, "role": viewer,
                                    "created_at": -70 * DAY})

    _assign(b, "user", r4, custodian, 40)
    _assign(b, "user", banned, tester, 30)
    _assign(b, "user", r7, tuner, 50, projects["Research"])

    for user in b.doc["users"]:
        if user["id"] == banned:
            user.update({"banned": True, "banned_at": -5 * DAY, "enabled": False})
    email = b.emails
    b.plant("privilege-via-group", r3, "account", email[r3],
            "org Owner through the direct group Platform-Admins")
    b.plant("custom-role-privileged", custodian, "role", email[r4],
            "custom org role Key Custodian permits api.organization.admin_api_keys.write; "
            "held by one reader directly")
    b.plant("disabled-seat-still-granted", banned, "account", email[banned],
            "banned 5 days ago; still holds the Model Tester role, the Data-Science group "
            "and a Platform project key")
    b.plant("idp-group-drift", research_team, "group", "",
            "SCIM-managed (Okta) Research-Team: manual until the IdP pushes the same group "
            "to Tenure's SCIM receiver; with the IdP's copy, r6 is on the platform only")


def rbac_summary(doc: dict[str, Any]) -> dict[str, int]:
    """Counts of the RBAC objects in a document (for the generator's summary)."""
    return {k: len(doc.get(k, [])) for k in ("groups", "group_users", "roles",
                                             "role_assignments", "project_groups")}
