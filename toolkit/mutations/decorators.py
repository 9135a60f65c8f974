"""``@toolkit.mutation``: expose a model method as a GraphQL mutation.

Kept free of graphene imports so models can use it without loading the schema machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
MARKER = "_toolkit_mutation"


@dataclass(frozen=True)
class MethodMutation:
    """Options of a method mutation.

    ``name``: snake_case root field name (default ``<method>_<model>``, e.g. ``publish_book``).
    ``permission``: a Django permission (``"demo.change_book"``), a callable
    ``(user, instance) -> bool``, or None for the model's ``change`` permission.
    ``atomic``: run the method in a transaction (rolled back when it raises).
    """

    name: str | None = None
    permission: str | Callable[[Any, Any], bool] | None = None
    atomic: bool = True
    description: str | None = None


def mutation(
    func: F | None = None,
    *,
    name: str | None = None,
    permission: str | Callable[[Any, Any], bool] | None = None,
    atomic: bool = True,
    description: str | None = None,
) -> Any:
    """Mark a model method as a mutation; arguments and result come from its type hints::

        class Book(models.Model):
            @mutation(permission="demo.change_book")
            def publish(self, note: str | None = None) -> bool: ...

    gives ``publishBook(id: ID!, note: String): PublishBookPayload!``.
    """

    def decorate(method: F) -> F:
        setattr(method, MARKER, MethodMutation(name, permission, atomic, description or method.__doc__))
        return method

    return decorate(func) if func is not None else decorate


def method_mutations(model: type) -> dict[str, tuple[Callable[..., Any], MethodMutation]]:
    """The marked methods of ``model`` (inherited ones included), by method name."""
    found = {}
    for attr in dir(model):
        if attr.startswith("_"):
            continue
        method = getattr(model, attr, None)
        options = getattr(method, MARKER, None)
        if isinstance(options, MethodMutation):
            found[attr] = (method, options)
    return found
