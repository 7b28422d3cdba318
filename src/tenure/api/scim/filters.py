"""SCIM ``filter`` → the typed, allowlisted criteria the store compiles to SQL.

Parsing is scim2-models' (RFC 7644 §3.4.2.2 grammar); this module only walks the tree and
refuses (``invalidFilter``) any attribute outside the allowlist or an operator we do not
evaluate (``gt``/``ge``/``lt``/``le``), so a client never names a column.
"""

from __future__ import annotations

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from tenure.services.scim_types import (
    AllOf,
    AnyOf,
    AttributeKind,
    Compare,
    CompareOp,
    Criterion,
    Negation,
)

MAX_FILTER_CHARS = 2000
_OPS: dict[CompareOperator, CompareOp] = {
    CompareOperator.eq: "eq", CompareOperator.ne: "ne", CompareOperator.co: "co",
    CompareOperator.sw: "sw", CompareOperator.ew: "ew",
}
# A multi-valued attribute named alone in a filter means its "value" sub-attribute.
_MULTI = {"emails": "emails.value", "members": "members.value"}


class _Translator:
    def __init__(self, allowed: dict[str, AttributeKind], core_urn: str) -> None:
        self.allowed = {name.lower(): (name, kind) for name, kind in allowed.items()}
        self.core_urn = core_urn.lower()

    def attribute(self, attr: str, sub_attr: str | None, uri: str | None) -> tuple[str,
                                                                                  AttributeKind]:
        if uri and uri.rstrip(":").lower() != self.core_urn:
            raise InvalidFilterException(detail=f"filtering on {uri} is not supported")
        name = f"{attr}.{sub_attr}" if sub_attr else attr
        name = _MULTI.get(name.lower(), name)
        found = self.allowed.get(name.lower())
        if found is None:
            names = ", ".join(sorted(n for n, _ in self.allowed.values()))
            raise InvalidFilterException(
                detail=f"filtering on {name!r} is not supported (supported: {names})")
        return found

    def visit(self, node: FilterNode, prefix: str | None = None) -> Criterion:
        if isinstance(node, LogicalExpr):
            terms = tuple(self.visit(t, prefix) for t in node.terms)
            return AllOf(terms) if node.op == LogicalOperator.and_ else AnyOf(terms)
        if isinstance(node, Not):
            return Negation(self.visit(node.expr, prefix))
        if isinstance(node, Present):
            name, _ = self._name(node.attr_path.attr, node.attr_path.sub_attr,
                                 node.attr_path.uri, prefix)
            return Compare(name, "pr")
        if isinstance(node, Comparison):
            return self._comparison(node, prefix)
        if isinstance(node, ValuePath) and prefix is None and node.sub_attr is None:
            return self.visit(node.val_filter, node.attr_path.attr)
        raise InvalidFilterException(detail="this filter form is not supported")

    def _name(self, attr: str, sub_attr: str | None, uri: str | None,
              prefix: str | None) -> tuple[str, AttributeKind]:
        if prefix is not None:
            if sub_attr is not None or uri:
                raise InvalidFilterException(detail="nested value filters are not supported")
            return self.attribute(prefix, attr, None)
        return self.attribute(attr, sub_attr, uri)

    def _comparison(self, node: Comparison, prefix: str | None) -> Compare:
        path = node.attr_path
        name, kind = self._name(path.attr, path.sub_attr, path.uri, prefix)
        op = _OPS.get(node.op)
        if op is None:
            raise InvalidFilterException(detail=f"operator {node.op} is not supported")
        value = node.value
        if kind == "bool":
            if not isinstance(value, bool) or op not in ("eq", "ne"):
                raise InvalidFilterException(detail=f"{name} compares with eq/ne true or false")
            return Compare(name, op, value)
        if value is None and op in ("eq", "ne"):
            return Compare(name, op, None)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise InvalidFilterException(detail=f"{name} compares with a string")
        return Compare(name, op, str(value))


def parse_filter(text: str | None, allowed: dict[str, AttributeKind],
                 core_urn: str) -> Criterion | None:
    """The criteria ``text`` stands for (None when there is no filter)."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER_CHARS:
        raise InvalidFilterException(detail=f"filter longer than {MAX_FILTER_CHARS} characters")
    try:
        ast = ScimFilter(text).ast
    except InvalidFilterException:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidFilterException(detail=f"invalid filter: {type(exc).__name__}") from None
    try:
        return _Translator(allowed, core_urn).visit(ast)
    except RecursionError:
        raise InvalidFilterException(detail="filter nested too deeply") from None
