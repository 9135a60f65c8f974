"""Query limits enforced before execution (depth, cost, aliases, directives, tokens, size, batch).

Interface used by the view and ``toolkit.rules``:

- ``limits_for(user) -> Limits``: the limits for a caller (``QUERY_LIMITS`` merged with the
  ``QUERY_LIMITS_BY_ROLE`` entries that apply to the caller),
- ``validation_rules(limits) -> list``: graphql-core validation rules enforcing them,
- ``check_document_size(query, limits)``, ``token_error(error)``: errors before parsing,
- ``operation_variables(variables)``: makes the request's variables known to the cost rule
  (a size passed as ``limit: $n`` is then counted with its value),
- ``operation_cost(schema, document, variables, operation_name) -> int``: for rate limiting,
- ``page_size_limit(user)``: the largest ``limit``/``first``/``last``/``pageSize`` for a caller.

Every rejection is a ``GraphQLError`` with ``extensions.code = "GRAPHQL_VALIDATION_FAILED"`` and
``extensions.limit`` naming the limit (``depth``, ``cost``, ``aliases``, ``directives``,
``tokens``, ``documentSize``; ``batch`` is refused by the view), so nothing is executed.

**Depth** is counted as GraphQL Armor's max-depth plugin counts it with ``flattenFragments``:
every field is one level below its parent (``{ books { title } }`` is 2 deep), fragment spreads
and inline fragments add no level of their own, and introspection fields count like any other
field (unless ``max_introspection_depth`` gives them a limit of their own).

**Cost**: every field costs 1; a list field multiplies the cost of its selection by its size:
its ``limit``/``first``/``last``/``pageSize`` argument (literal or variable), the size of its
``*Page``/``*Connection`` parent for ``items``/``edges``, otherwise an estimate: the server's
``DEFAULT_LIMIT`` for a paginated list that is not inside another list (that is how many rows it
returns), ``default_list_cost`` for one inside a list (to-many relations of each row) and for
lists without size arguments. ``@skip``/``@include`` are respected when their condition is
known; the branches of a polymorphic selection are all counted. ``__schema`` and ``__type`` cost
1 whatever they select: introspection reads no rows (graphql-core's ``MaxIntrospectionDepthRule``
bounds its recursion, and depth counts it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.language import Lexer, Source, TokenKind
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"

#: The role keys of ``QUERY_LIMITS_BY_ROLE`` (besides permissions, ``"app_label.codename"``),
#: in the order they are applied: a later entry overrides an earlier one, key by key.
ROLES = ("anonymous", "authenticated", "staff", "superuser")
#: Arguments that set how many rows a list field returns.
SIZE_ARGUMENTS = ("limit", "first", "last", "pageSize", "page_size")
#: List fields whose size is their parent's (``booksPage { items }``, ``booksConnection { edges }``).
PAGED_LISTS = {"items": "Page", "edges": "Connection"}
INTROSPECTION_ROOTS = ("__schema", "__type")


@dataclass(frozen=True)
class Limits:
    """The limits for one caller; ``None`` switches a limit off."""

    max_depth: int | None = 6
    #: The depth limit of ``__schema``/``__type`` selections; ``None``: ``max_depth`` applies.
    max_introspection_depth: int | None = None
    max_cost: int | None = 5000
    max_aliases: int | None = 15
    max_directives: int | None = 50
    max_tokens: int | None = 1000
    max_document_bytes: int | None = 20_000
    #: Operations in one batched request; 0 refuses batches.
    max_batch: int = 10
    #: Rows assumed for a list nested in a list (and for unpaginated lists) without a size.
    default_list_cost: int = 5
    #: The largest page size; ``None`` in the settings means ``TOOLKIT["MAX_LIMIT"]``.
    max_page_size: int = 1000
    #: Rows the server returns when no size is given: ``TOOLKIT["DEFAULT_LIMIT"]`` (not a key).
    default_limit: int = 100


#: Keys of ``QUERY_LIMITS`` / ``QUERY_LIMITS_BY_ROLE`` entries.
LIMIT_KEYS = tuple(f.name for f in fields(Limits) if f.name != "default_limit")


def limits_for(user: Any) -> Limits:
    """``TOOLKIT["QUERY_LIMITS"]``, then every ``QUERY_LIMITS_BY_ROLE`` entry that applies to
    ``user`` in this order: ``anonymous`` or ``authenticated``, permissions (in the order
    configured), ``staff``, ``superuser``."""
    from toolkit.conf import DEFAULTS, config_fingerprint, get_config

    cached = getattr(user, "_toolkit_limits", None)
    if cached is not None and cached[0] == config_fingerprint():
        return cached[1]  # computed once per user object (i.e. per request)
    config = get_config()
    values: dict[str, Any] = {**DEFAULTS["QUERY_LIMITS"], **(config.get("QUERY_LIMITS") or {})}
    for role in _roles_of(user, config.get("QUERY_LIMITS_BY_ROLE") or {}):
        values.update(config["QUERY_LIMITS_BY_ROLE"][role])
    if values.get("max_page_size") is None:
        values["max_page_size"] = config["MAX_LIMIT"]
    values["default_limit"] = min(config["DEFAULT_LIMIT"], values["max_page_size"])
    limits = Limits(**{key: values[key] for key in (*LIMIT_KEYS, "default_limit") if key in values})
    if user is not None:
        with contextlib.suppress(AttributeError):  # e.g. a slotted user object
            user._toolkit_limits = (config_fingerprint(), limits)
    return limits


def _roles_of(user: Any, by_role: Mapping[str, Any]) -> Iterator[str]:
    if not by_role:
        return
    authenticated = bool(getattr(user, "is_authenticated", False))
    first = "authenticated" if authenticated else "anonymous"
    if first in by_role:
        yield first
    if authenticated:
        for key in by_role:
            if key not in ROLES and user.has_perm(key):
                yield key
        if getattr(user, "is_staff", False) and "staff" in by_role:
            yield "staff"
        if getattr(user, "is_superuser", False) and "superuser" in by_role:
            yield "superuser"


def page_size_limit(user: Any = None) -> int:
    """The largest page size for ``user`` (by default the current one): ``max_page_size``."""
    if user is None:
        from toolkit.security.context import current_user

        user = current_user()
    return limits_for(user).max_page_size


# -- errors before parsing ------------------------------------------------------------------------
def limit_error(limit: str, message: str, nodes: Any = None) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": VALIDATION_FAILED, "limit": limit})


def check_document_size(query: str, limits: Limits) -> GraphQLError | None:
    if limits.max_document_bytes is None:
        return None
    size = len(query.encode())
    if size > limits.max_document_bytes:
        return limit_error(
            "documentSize", f"The document is {size} bytes; the limit is {limits.max_document_bytes}."
        )
    return None


#: Documents longer than this are not lexed again to count their tokens for the message.
_COUNT_TOKENS_UP_TO = 200_000


def token_error(error: GraphQLError) -> GraphQLError | None:
    """graphql-core's ``max_tokens`` abort, as a limit error (not a syntax error)."""
    message = error.message
    if not (message.endswith("Parsing aborted.") and "tokens" in message):
        return None
    limit = "".join(ch for ch in message.split("more than", 1)[-1] if ch.isdigit())
    count = _count_tokens(error.source.body) if error.source is not None else None
    if count is not None and limit and count > int(limit):
        return limit_error("tokens", f"The document has {count} tokens; the limit is {limit}.")
    return limit_error("tokens", f"The document has more than {limit} tokens; the limit is {limit}.")


def _count_tokens(body: str) -> int | None:
    """Tokens as ``parse(max_tokens=...)`` counts them (comments included)."""
    if len(body) > _COUNT_TOKENS_UP_TO:
        return None
    lexer = Lexer(Source(body))
    try:
        while lexer.advance().kind is not TokenKind.EOF:
            pass
    except GraphQLError:
        return None
    count, token = 0, lexer.token.prev
    while token is not None and token.kind is not TokenKind.SOF:
        count += 1
        token = token.prev
    return count


# -- the request's variables, for the cost rule ---------------------------------------------------
_variables: ContextVar[Mapping[str, Any] | None] = ContextVar("toolkit_limit_variables", default=None)


@contextmanager
def operation_variables(variables: Mapping[str, Any] | None) -> Iterator[None]:
    """Validate with the request's variables known, so ``limit: $n`` counts ``$n``'s value.

    The view wraps ``validate()`` in it. Without it a size given by a variable counts as its
    default value, or as no size at all (the estimate); ``operation_cost`` always uses the
    real values."""
    token = _variables.set(dict(variables or {}))
    try:
        yield
    finally:
        _variables.reset(token)


# -- measuring an operation -----------------------------------------------------------------------
class _Fragments:
    """Fragment definitions by name, expanded with a guard against cycles."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.expanding: set[str] = set()

    @contextmanager
    def expand(self, spread: FragmentSpreadNode) -> Iterator[FragmentDefinitionNode | None]:
        name = spread.name.value
        fragment = self.fragments.get(name)
        if fragment is None or name in self.expanding:
            yield None  # unknown or cyclic: reported by graphql-core's own rules
            return
        self.expanding.add(name)
        try:
            yield fragment
        finally:
            self.expanding.discard(name)


class _Depth(_Fragments):
    """Armor's depth (flattened fragments); returns (data depth, introspection depth)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], split: bool) -> None:
        super().__init__(fragments)
        self.split = split
        self.memo: dict[str, tuple[int, int]] = {}

    def selection_set(self, selection_set: SelectionSetNode, level: int) -> tuple[int, int]:
        data, introspection = level, 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                below = (
                    self.selection_set(selection.selection_set, level + 1)
                    if selection.selection_set
                    else (level + 1, 0)
                )
                if self.split and selection.name.value in INTROSPECTION_ROOTS:
                    introspection = max(introspection, below[0], below[1])
                else:
                    data, introspection = max(data, below[0]), max(introspection, below[1])
            elif isinstance(selection, InlineFragmentNode):
                below = self.selection_set(selection.selection_set, level)
                data, introspection = max(data, below[0]), max(introspection, below[1])
            elif isinstance(selection, FragmentSpreadNode):
                relative = self.fragment(selection)
                if relative is not None:
                    data = max(data, level + relative[0])
                    introspection = max(introspection, level + relative[1] if relative[1] else 0)
        return data, introspection

    def fragment(self, spread: FragmentSpreadNode) -> tuple[int, int] | None:
        """A fragment's depth relative to where it is spread (the same wherever it is spread)."""
        name = spread.name.value
        if name not in self.memo:
            with self.expand(spread) as fragment:
                if fragment is None:
                    return None
                self.memo[name] = self.selection_set(fragment.selection_set, 0)
        return self.memo[name]


class _Count(_Fragments):
    """Aliases or directives in an operation, each fragment counted every time it is spread."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], what: str) -> None:
        super().__init__(fragments)
        self.what = what
        self.memo: dict[str, int] = {}

    def own(self, node: Any) -> int:
        if self.what == "aliases":
            return 1 if getattr(node, "alias", None) is not None else 0
        return len(getattr(node, "directives", None) or ())

    def selection_set(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            total += self.own(selection)
            if isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection)
            else:
                total += self.selection_set(selection.selection_set)
        return total

    def fragment(self, spread: FragmentSpreadNode) -> int:
        name = spread.name.value
        if name not in self.memo:
            with self.expand(spread) as fragment:
                if fragment is None:
                    return 0
                self.memo[name] = self.own(fragment) + self.selection_set(fragment.selection_set)
        return self.memo[name]

    def operation(self, operation: OperationDefinitionNode) -> int:
        return self.own(operation) + self.selection_set(operation.selection_set)


class _Cost(_Fragments):
    """The cost of an operation (see the module docstring)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        limits: Limits,
        variables: Mapping[str, Any] | None,
    ) -> None:
        super().__init__(fragments)
        self.schema = schema
        self.limits = limits
        self.given = variables  # None: the request's variables are not known
        self.variables: dict[str, Any] = {}
        self.memo: dict[tuple[str, bool, int | None], int] = {}

    def operation(self, operation: OperationDefinitionNode) -> int:
        self.variables = {}
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if self.given is not None and name in self.given:
                self.variables[name] = self.given[name]
            elif definition.default_value is not None and not isinstance(
                definition.default_value, VariableNode
            ):
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.memo = {}
        root = self.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root, False, None)

    # values of arguments ----------------------------------------------------------------------
    def value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, (IntValueNode, BooleanValueNode)):
            return int(node.value) if isinstance(node, IntValueNode) else node.value
        return None

    def included(self, node: Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next((a.value for a in directive.arguments if a.name.value == "if"), None)
            value = self.value(condition)
            if isinstance(value, bool) and value == (name == "skip"):
                return False
        return True

    def explicit_size(self, node: FieldNode) -> int | None:
        sizes = []
        for argument in node.arguments:
            if argument.name.value in SIZE_ARGUMENTS:
                value = self.value(argument.value)
                if isinstance(value, int) and not isinstance(value, bool):
                    sizes.append(max(value, 0))
        return min(sizes) if sizes else None

    # the walk ---------------------------------------------------------------------------------
    def selection_set(
        self, selection_set: SelectionSetNode, parent: Any, in_list: bool, page_size: int | None
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, in_list, page_size)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, type_, in_list, page_size)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection, in_list, page_size)
        return total

    def fragment(self, spread: FragmentSpreadNode, in_list: bool, page_size: int | None) -> int:
        key = (spread.name.value, in_list, page_size)
        if key not in self.memo:
            with self.expand(spread) as fragment:
                if fragment is None:
                    return 0
                type_ = self.schema.get_type(fragment.type_condition.name.value)
                self.memo[key] = self.selection_set(fragment.selection_set, type_, in_list, page_size)
        return self.memo[key]

    def field(self, node: FieldNode, parent: Any, in_list: bool, page_size: int | None) -> int:
        if node.selection_set is None or node.name.value in INTROSPECTION_ROOTS:
            return 1  # introspection is answered from memory: no rows behind it
        definition = self.field_definition(parent, node.name.value)
        type_ = definition.type if definition is not None else None
        named = get_named_type(type_) if type_ is not None else None
        multiplier, child_page_size = 1, None
        accepts_size = definition is not None and any(a in definition.args for a in SIZE_ARGUMENTS)
        if type_ is not None and is_list_type(get_nullable_type(type_)):
            multiplier = self.list_size(node, parent, accepts_size, in_list, page_size)
            in_list = True
        elif accepts_size:  # a page or a connection: its items/edges get the size
            child_page_size = self.explicit_size(node)
            if child_page_size is None:
                child_page_size = self.unsized(in_list)
        return 1 + multiplier * self.selection_set(node.selection_set, named, in_list, child_page_size)

    def list_size(
        self, node: FieldNode, parent: Any, accepts_size: bool, in_list: bool, page_size: int | None
    ) -> int:
        size = self.explicit_size(node)
        if size is not None:
            return size
        suffix = PAGED_LISTS.get(node.name.value)
        if page_size is not None and suffix and getattr(parent, "name", "").endswith(suffix):
            return page_size
        if accepts_size:
            return self.unsized(in_list)
        return self.limits.default_list_cost

    def unsized(self, in_list: bool) -> int:
        """Rows of a paginated list without a size: what the server returns, or an estimate."""
        return self.limits.default_list_cost if in_list else self.limits.default_limit

    def field_definition(self, parent: Any, name: str) -> Any:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is not None and parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        return getattr(parent, "fields", {}).get(name)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def operation_cost(
    schema: Any,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    limits: Limits | None = None,
) -> int:
    """The cost of the operation that will run (0 when there is none to run)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    if limits is None:
        from toolkit.security.context import current_user

        limits = limits_for(current_user())
    schema = getattr(schema, "graphql_schema", schema)
    try:
        return _Cost(schema, _fragments(document), limits, variables or {}).operation(operation)
    except RecursionError:
        return limits.max_cost + 1 if limits.max_cost is not None else 0


# -- the validation rules -------------------------------------------------------------------------
def _named(operation: OperationDefinitionNode) -> str:
    return f"Operation '{operation.name.value}'" if operation.name else "The operation"


class QueryLimitRule(ASTValidationRule):
    """Measures each operation of the document against one of ``limits``."""

    limits: Limits = Limits()
    limit_name = ""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = _fragments(context.document)

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        try:
            self.check(node)
        except RecursionError:  # nested beyond any sensible limit
            self.report_error(limit_error(self.limit_name, f"{_named(node)} is nested too deeply.", node))

    def check(self, operation: OperationDefinitionNode) -> None:
        raise NotImplementedError


class MaxDepthRule(QueryLimitRule):
    limit_name = "depth"

    def check(self, operation: OperationDefinitionNode) -> None:
        limits = self.limits
        split = limits.max_introspection_depth is not None
        data, introspection = _Depth(self.fragments, split).selection_set(operation.selection_set, 0)
        if not split:
            data = max(data, introspection)
        if limits.max_depth is not None and data > limits.max_depth:
            self.report_error(
                limit_error(
                    "depth",
                    f"{_named(operation)} is {data} levels deep; the limit is {limits.max_depth}.",
                    operation,
                )
            )
        if split and introspection > limits.max_introspection_depth:
            self.report_error(
                limit_error(
                    "depth",
                    f"{_named(operation)} introspects {introspection} levels deep; "
                    f"the limit is {limits.max_introspection_depth}.",
                    operation,
                )
            )


class MaxCostRule(QueryLimitRule):
    limit_name = "cost"

    def check(self, operation: OperationDefinitionNode) -> None:
        limit = self.limits.max_cost
        cost = _Cost(self.context.schema, self.fragments, self.limits, _variables.get()).operation(operation)
        if limit is not None and cost > limit:
            self.report_error(
                limit_error("cost", f"{_named(operation)} costs {cost}; the limit is {limit}.", operation)
            )


class MaxAliasesRule(QueryLimitRule):
    limit_name = "aliases"

    def check(self, operation: OperationDefinitionNode) -> None:
        count = _Count(self.fragments, "aliases").operation(operation)
        if count > self.limits.max_aliases:
            self.report_error(
                limit_error(
                    "aliases",
                    f"{_named(operation)} has {count} aliases; the limit is {self.limits.max_aliases}.",
                    operation,
                )
            )


class MaxDirectivesRule(QueryLimitRule):
    limit_name = "directives"

    def check(self, operation: OperationDefinitionNode) -> None:
        count = _Count(self.fragments, "directives").operation(operation)
        if count > self.limits.max_directives:
            self.report_error(
                limit_error(
                    "directives",
                    f"{_named(operation)} has {count} directives; the limit is {self.limits.max_directives}.",
                    operation,
                )
            )


def validation_rules(limits: Limits) -> list[Any]:
    """One rule class per enabled limit, bound to ``limits`` (classes, as graphql-core wants)."""
    return list(_rules(limits))


@lru_cache(maxsize=64)
def _rules(limits: Limits) -> tuple[Any, ...]:
    rules: list[Any] = []
    for rule, enabled in (
        (MaxDepthRule, limits.max_depth is not None or limits.max_introspection_depth is not None),
        (MaxCostRule, limits.max_cost is not None),
        (MaxAliasesRule, limits.max_aliases is not None),
        (MaxDirectivesRule, limits.max_directives is not None),
    ):
        if enabled:
            rules.append(type(rule.__name__, (rule,), {"limits": limits}))
    return tuple(rules)
