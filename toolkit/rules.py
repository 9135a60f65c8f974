"""The validation rules every document goes through: graphql-core's (with one refinement), no
introspection when the ``introspection`` feature flag is off (``TOOLKIT["INTROSPECTION"]`` by
default, see toolkit.flags), and the query limits."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, NoSchemaIntrospectionCustomRule, ValueNode, specified_rules
from graphql import ValuesOfCorrectTypeRule as BaseValuesOfCorrectTypeRule

from toolkit.conf import get_config


class ValuesOfCorrectTypeRule(BaseValuesOfCorrectTypeRule):
    """graphql-core's rule, but an error raised by a scalar (``Date cannot represent value``)
    keeps the location of the literal, so the error can name the argument it belongs to."""

    _value_node: ValueNode | None = None

    def is_valid_value_node(self, node: ValueNode) -> None:
        self._value_node = node
        super().is_valid_value_node(node)

    def report_error(self, error: GraphQLError) -> None:
        if not error.nodes and self._value_node is not None:
            error = GraphQLError(
                error.message,
                self._value_node,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        super().report_error(error)


VALIDATION_RULES: tuple[Any, ...] = tuple(
    ValuesOfCorrectTypeRule if rule is BaseValuesOfCorrectTypeRule else rule for rule in specified_rules
)


def validation_rules(user: Any = None) -> tuple[Any, ...]:
    """The rules for a document sent by ``user`` (limits may differ per role)."""
    from toolkit import flags
    from toolkit.security import limits

    rules = list(VALIDATION_RULES)
    if not flags.is_enabled("introspection"):  # TOOLKIT["INTROSPECTION"] unless switched at runtime
        rules.append(NoSchemaIntrospectionCustomRule)  # __typename still works
    rules += limits.validation_rules(limits.limits_for(user))
    return tuple(rules)


def hide_suggestions() -> bool:
    """Leave "Did you mean ...?" out of errors (by default whenever introspection is off)."""
    from toolkit import flags

    configured = get_config()["HIDE_SUGGESTIONS"]
    return not flags.is_enabled("introspection") if configured is None else bool(configured)
