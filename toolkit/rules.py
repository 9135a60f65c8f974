"""The validation rules every document goes through (graphql-core's, with one refinement)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, ValueNode, specified_rules
from graphql import ValuesOfCorrectTypeRule as BaseValuesOfCorrectTypeRule


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
