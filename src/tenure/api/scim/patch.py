"""IdP quirks, normalised on the raw payload before scim2-models validates it.

scim2-models already accepts Entra's capitalised ``op`` (``Replace``, ``Add``), value-path
forms such as ``emails[type eq "work"].value``, path-less replace with an object value,
``active`` sent as the string ``"False"`` and a ``remove`` carrying the member to remove as
its value (via ``POLICY``). What is left is the enterprise ``manager``:

- Entra sends it as a bare id string (``"value": "26118915-6090-4610-87a4-0a38ae4c1e84"``),
  sometimes as a one-element list of ``{"value": ...}``, and removes it with a value;
- Okta and Entra omit ``$ref``, which RFC 7643 §4.3 marks required: we set it to the
  relative reference of the User it names;
- an empty value (``""``) is how Entra clears the manager.
"""

from __future__ import annotations

from typing import Any

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_MANAGER_PATH = f"{ENTERPRISE_URN}:manager".lower()


def manager_value(value: Any) -> Any:
    """A manager in any IdP shape → ``{"value", "$ref"}``; None when it clears the manager."""
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else value
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {"value": str(value)}
    if isinstance(value, dict):
        ref = value.get("value")
        if ref is None or ref == "":
            return None
        if isinstance(ref, str | int) and not isinstance(ref, bool) and not value.get("$ref"):
            value = {**value, "value": str(ref), "$ref": f"../Users/{ref}"}
    return value


def _extension(body: dict[str, Any]) -> dict[str, Any] | None:
    for key, value in body.items():
        if key.lower() == ENTERPRISE_URN.lower() and isinstance(value, dict):
            return value
    return None


def normalize_resource(body: dict[str, Any]) -> dict[str, Any]:
    """A User body (POST/PUT, or a path-less PATCH value) with its manager normalised."""
    ext = _extension(body)
    if ext is not None:
        for key in list(ext):
            if key.lower() == "manager":
                fixed = manager_value(ext[key])
                if fixed is None:
                    del ext[key]
                else:
                    ext[key] = fixed
    for key in list(body):
        if key.lower() == _MANAGER_PATH:
            fixed = manager_value(body[key])
            body[key] = fixed
    return body


def normalize_user_patch(body: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body for a User with every manager operation in the RFC shape."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    fixed_ops: list[Any] = []
    for op in operations:
        if not isinstance(op, dict):
            fixed_ops.append(op)
            continue
        op = dict(op)
        path = op.get("path")
        kind = str(op.get("op", "")).lower()
        lowered = path.lower() if isinstance(path, str) else None
        if lowered == f"{_MANAGER_PATH}.value" and kind != "remove":
            op["path"], lowered = f"{ENTERPRISE_URN}:manager", _MANAGER_PATH
        if lowered == _MANAGER_PATH:
            if kind == "remove":
                op.pop("value", None)
            elif "value" in op:
                value = manager_value(op["value"])
                if value is None:
                    op = {"op": "remove", "path": path}
                else:
                    op["value"] = value
        elif path is None and isinstance(op.get("value"), dict):
            op["value"] = normalize_resource(dict(op["value"]))
        fixed_ops.append(op)
    return {**body, "Operations": fixed_ops}
