"""Roles: named kinds of caller (``TOOLKIT["ROLES"]``), and the schema each of them can see.

A role is a dict of requirements, every key optional::

    TOOLKIT["ROLES"] = {
        "anonymous": {},                               # not logged in
        "member": {"authenticated": True},             # logged in, no permissions
        "staff": {"staff": True, "permissions": ["demo.view_partneraccount"]},
        "superuser": {"superuser": True},              # every permission
    }

``staff``, ``superuser`` and ``permissions`` imply ``authenticated``. :func:`role_user` turns a
role into an in-memory user (no database row) that the read policies, field policies and write
permissions accept like a real one; :func:`sdl_for_role` prints the schema as that user sees it:

- models whose read policy refuses the role lose their type and every root field, relation,
  filter and input that leads to them;
- fields whose field policy hides them from the role without a mask are removed from the type,
  and every field the role may not see (masked ones too) leaves the ``Where``, ``OrderBy``,
  ``GroupBy`` and aggregate types, since filtering, ordering or grouping on it is ``FORBIDDEN``;
- generated mutations the role lacks the Django permission for are removed, and so are the
  fields schema extensions say the role cannot use (``SchemaExtension.hidden_fields``).

The result is valid SDL (built back with graphql-core), sorted like ``manage.py graphql export``.
Row scoping (``scope``) depends on the rows, not the schema, and does not show in the SDL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    assert_valid_schema,
    build_ast_schema,
    lexicographic_sort_schema,
    parse,
    print_schema,
)

from toolkit.conf import get_config

#: The keys a role may set.
ROLE_KEYS = ("authenticated", "staff", "superuser", "permissions")
#: Suffixes of the generated types whose fields are model fields a client filters, orders,
#: groups or aggregates on (see toolkit.filters, ordering and aggregates).
RESTRICTABLE_SUFFIXES = (
    "Where",
    "OrderBy",
    "GroupKey",
    "SumAggregate",
    "AvgAggregate",
    "MinAggregate",
    "MaxAggregate",
)


class UnknownRole(KeyError):
    """A role name that ``TOOLKIT["ROLES"]`` does not define."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        known = ", ".join(sorted(get_config()["ROLES"])) or "none"
        return f"unknown role '{self.name}' (TOOLKIT['ROLES'] defines: {known})"


@dataclass(frozen=True, eq=False)
class RoleUser:
    """An in-memory stand-in for a user with a role's attributes (never saved, no primary key).

    It answers the questions the policies ask (``is_authenticated``, ``is_staff``, ``has_perm``
    ...); like ``AnonymousUser`` it cannot be used in database filters."""

    role: str
    is_authenticated: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    permissions: frozenset[str] = field(default_factory=frozenset)
    is_active: bool = True
    pk: None = None
    id: None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated

    @property
    def username(self) -> str:
        return f"role:{self.role}"

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if not (self.is_active and self.is_authenticated):
            return False
        return self.is_superuser or (obj is None and perm in self.permissions)

    def has_perms(self, perm_list: Iterable[str], obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_superuser or any(p.startswith(f"{app_label}.") for p in self.permissions)

    def get_all_permissions(self, obj: Any = None) -> set[str]:
        return set(self.permissions) if self.is_authenticated else set()

    def __str__(self) -> str:
        return self.username


def role_names() -> list[str]:
    return list(get_config()["ROLES"])


def role_user(name: str) -> RoleUser:
    """The in-memory user for role ``name``; :class:`UnknownRole` if it is not configured."""
    roles = get_config()["ROLES"]
    if name not in roles:
        raise UnknownRole(name)
    spec = roles[name] or {}
    staff, superuser = bool(spec.get("staff")), bool(spec.get("superuser"))
    permissions = frozenset(spec.get("permissions") or ())
    return RoleUser(
        role=name,
        is_authenticated=bool(spec.get("authenticated")) or staff or superuser or bool(permissions),
        is_staff=staff or superuser,
        is_superuser=superuser,
        permissions=permissions,
    )


# -- the schema a role sees ---------------------------------------------------------------------
@dataclass
class _Removals:
    """What to take out of the full schema for one role (GraphQL names)."""

    types: set[str] = field(default_factory=set)
    #: (parent type name, field name): fields of object, interface and input types.
    fields: set[tuple[str, str]] = field(default_factory=set)
    #: (enum name, value name)
    enum_values: set[tuple[str, str]] = field(default_factory=set)


def _removals(user: RoleUser) -> _Removals:
    from graphene.utils.str_converters import to_camel_case

    from toolkit.mutations.decorators import method_mutations
    from toolkit.naming import constant_case
    from toolkit.permissions import model_permission
    from toolkit.registry import build_registry
    from toolkit.security.policies import can_read, can_see_field, field_rule
    from toolkit.validation import ROOT_SUFFIXES

    config = get_config()
    camel = config["NAME_CASE"] == "camel"

    def shown(name: str) -> str:
        name = name.rstrip("_")
        return to_camel_case(name) if camel else name

    removed = _Removals()
    for spec in build_registry().specs.values():
        readable = can_read(spec, user)
        if not readable:
            removed.types |= {spec.type_name, f"{spec.type_name}Interface"}
            removed.fields |= {("Query", shown(spec.singular))}
            removed.fields |= {("Query", shown(spec.plural + suffix)) for suffix in ROOT_SUFFIXES}
        if config["MUTATIONS"] and spec.writable_model:
            wanted = {
                "add": [f"create_{spec.singular}", f"bulk_create_{spec.plural}"],
                "change": [f"update_{spec.singular}", f"bulk_update_{spec.plural}"],
                "delete": [f"delete_{spec.singular}", f"bulk_delete_{spec.plural}"],
            }
            for action, names in wanted.items():
                if not user.has_perm(model_permission(spec.model, action)):
                    removed.fields |= {("Mutation", shown(name)) for name in names}
            for method_name, (_, options) in method_mutations(spec.model).items():
                permission = options.permission or model_permission(spec.model, "change")
                allowed = user.is_authenticated if callable(permission) else user.has_perm(permission)
                if not allowed:
                    removed.fields.add(("Mutation", shown(options.name or f"{method_name}_{spec.singular}")))
        for name, fs in spec.fields.items():
            if can_see_field(spec, name, user):
                continue
            field_name = shown(name)
            # A relation's rows follow the related model's policy; only scalars read null.
            if field_rule(spec, name).mask is None and fs.related_model is None:
                removed.fields |= {(spec.type_name, field_name), (f"{spec.type_name}Interface", field_name)}
            removed.fields |= {(spec.type_name + suffix, field_name) for suffix in RESTRICTABLE_SUFFIXES}
            removed.enum_values.add((f"{spec.type_name}GroupBy", constant_case(name)))
    return removed


def role_schema(name: str) -> GraphQLSchema:
    """The live schema as role ``name`` sees it (a new, valid, sorted GraphQLSchema)."""
    from toolkit import extensions
    from toolkit.lifecycle.sdl import sorted_sdl
    from toolkit.schema import get_schema

    user = role_user(name)
    live = get_schema().graphql_schema
    removed = _removals(user)
    for extension in extensions.of(live):  # e.g. the media pipeline's upload mutations
        removed.fields |= extension.hidden_fields(user)
    document = parse(sorted_sdl(live))
    document = _prune(document, removed)
    schema = build_ast_schema(document)
    assert_valid_schema(schema)
    return lexicographic_sort_schema(schema)


def sdl_for_role(name: str) -> str:
    """The sorted SDL of what role ``name`` can see, ending with one newline (cached per live
    schema and configuration)."""
    from toolkit.conf import config_fingerprint
    from toolkit.schema import get_schema

    live = get_schema()
    key = (name, config_fingerprint())
    cached = _sdl_cache.get(key)
    if cached is None or cached[0] is not live:
        if len(_sdl_cache) >= 32:
            _sdl_cache.clear()
        cached = _sdl_cache[key] = (live, print_schema(role_schema(name)).rstrip("\n") + "\n")
    return cached[1]


_sdl_cache: dict[tuple[str, str], tuple[Any, str]] = {}


# -- pruning an SDL document ----------------------------------------------------------------------
def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, (NonNullTypeNode, ListTypeNode)):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def _required(value: InputValueDefinitionNode) -> bool:
    return isinstance(value.type, NonNullTypeNode) and value.default_value is None


BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def _prune(document: DocumentNode, removed: _Removals) -> DocumentNode:
    """Remove what ``removed`` names, then everything that refers to a removed type (fields,
    required arguments' fields, required input fields' types, empty types), then every type
    no longer reachable from the root types; repeated until nothing changes."""
    definitions = {d.name.value: d for d in document.definitions if not isinstance(d, SchemaDefinitionNode)}
    gone = set(removed.types)

    def keep_value(value: InputValueDefinitionNode) -> bool:
        return _named(value.type) not in gone

    while True:
        before = (len(gone), _size(definitions))
        for name in list(definitions):
            node = definitions[name]
            if name in gone:
                del definitions[name]
                continue
            if isinstance(node, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)):
                # ``<relation>Count`` goes with a relation to a removed type.
                unreachable = {f"{f.name.value}Count" for f in node.fields or () if _named(f.type) in gone}
                fields = []
                for f in node.fields or ():
                    if (name, f.name.value) in removed.fields or _named(f.type) in gone:
                        continue
                    if f.name.value in unreachable:
                        continue
                    if any(not keep_value(a) and _required(a) for a in f.arguments or ()):
                        continue
                    arguments = tuple(a for a in f.arguments or () if keep_value(a))
                    fields.append(_copy(f, arguments=arguments))
                interfaces = tuple(i for i in node.interfaces or () if i.name.value not in gone)
                node = _copy(node, fields=tuple(fields), interfaces=interfaces)
                empty = not fields
            elif isinstance(node, InputObjectTypeDefinitionNode):
                values = list(node.fields or ())
                if any(not keep_value(v) and _required(v) for v in values):
                    gone.add(name)
                    continue
                values = [v for v in values if keep_value(v) and (name, v.name.value) not in removed.fields]
                node = _copy(node, fields=tuple(values))
                empty = not values
            elif isinstance(node, EnumTypeDefinitionNode):
                values = tuple(
                    v for v in node.values or () if (name, v.name.value) not in removed.enum_values
                )
                node = _copy(node, values=values)
                empty = not values
            elif isinstance(node, UnionTypeDefinitionNode):
                members = tuple(t for t in node.types or () if t.name.value not in gone)
                node = _copy(node, types=members)
                empty = not members
            else:
                empty = False
            if empty:
                gone.add(name)
                del definitions[name]
            else:
                definitions[name] = node
        for name in set(definitions) - _reachable(definitions):
            gone.add(name)
            del definitions[name]
        if (len(gone), _size(definitions)) == before:
            break
    return DocumentNode(definitions=tuple(definitions.values()))


def _size(definitions: dict[str, Any]) -> int:
    total = 0
    for node in definitions.values():
        for attr in ("fields", "values", "types", "interfaces"):
            items = getattr(node, attr, None) or ()
            total += len(items)
            total += sum(len(getattr(i, "arguments", None) or ()) for i in items)
    return total


def _reachable(definitions: dict[str, Any]) -> set[str]:
    """Type names reachable from Query/Mutation/Subscription, with the implementations of
    reachable interfaces (the full schema lists every model type)."""
    implementations: dict[str, set[str]] = {}
    for name, node in definitions.items():
        for interface in getattr(node, "interfaces", None) or ():
            implementations.setdefault(interface.name.value, set()).add(name)
    seen: set[str] = set()
    todo = [root for root in ("Query", "Mutation", "Subscription") if root in definitions]
    while todo:
        name = todo.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        node = definitions[name]
        refs: list[str] = []
        if isinstance(node, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)):
            for f in node.fields or ():
                refs.append(_named(f.type))
                refs += [_named(a.type) for a in f.arguments or ()]
            refs += [i.name.value for i in node.interfaces or ()]
            refs += sorted(implementations.get(name, ()))
        elif isinstance(node, InputObjectTypeDefinitionNode):
            refs += [_named(v.type) for v in node.fields or ()]
        elif isinstance(node, UnionTypeDefinitionNode):
            refs += [t.name.value for t in node.types or ()]
        todo += [r for r in refs if r not in seen]
    return seen


def _copy(node: Any, **changes: Any) -> Any:
    """A copy of an AST node with some attributes replaced (graphql-core nodes are not frozen)."""
    keys = node.keys
    values = {key: getattr(node, key, None) for key in keys}
    values.update(changes)
    return type(node)(**values)


__all__ = [
    "ROLE_KEYS",
    "RoleUser",
    "UnknownRole",
    "role_names",
    "role_schema",
    "role_user",
    "sdl_for_role",
]
