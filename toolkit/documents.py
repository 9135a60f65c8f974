"""An LRU of parsed and validated documents: a client sending the same operation again skips
parsing and validation (both are pure functions of their inputs).

Parsing is keyed by the document text and the token limit; validation by the schema, the document
text, the caller's query limits, the introspection settings and the variables (costs read sizes
passed as variables). ``TOOLKIT["DOCUMENT_CACHE_SIZE"]`` entries of each are kept per process.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graphql import DocumentNode, GraphQLError, parse

from toolkit.conf import get_config

T = TypeVar("T")


class LRU:
    def __init__(self, name: str = "") -> None:
        self.name = name
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                _note(self.name, hit=True)
                return self._items[key]
        _note(self.name, hit=False)
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > get_config()["DOCUMENT_CACHE_SIZE"]:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_parsed = LRU("parse")
_validated = LRU("validation")


def _note(name: str, *, hit: bool) -> None:
    """Tell the request being served whether this cache hit (``extensions.debug`` shows it)."""
    if not name:
        return
    from toolkit.security.context import current_request

    request = current_request()
    if request is not None:
        found = getattr(request, "toolkit_document_cache", None)
        if found is None:
            found = request.toolkit_document_cache = {}
        found[name] = hit


def parsed(query: str, max_tokens: int | None) -> DocumentNode | GraphQLError:
    """The document, or the syntax error (returned, so it is cached too)."""

    def make() -> DocumentNode | GraphQLError:
        try:
            return parse(query, max_tokens=max_tokens)
        except GraphQLError as error:
            return error

    if not get_config()["DOCUMENT_CACHE_SIZE"]:
        return make()
    return _parsed.get_or_make((query, max_tokens), make)


def validated(
    key_parts: tuple, variables: Any, validate: Callable[[], list[GraphQLError]]
) -> list[GraphQLError]:
    """``validate()``'s errors, computed once per distinct inputs."""
    if not get_config()["DOCUMENT_CACHE_SIZE"]:
        return validate()
    try:
        variables_key = json.dumps(variables, sort_keys=True, default=str) if variables else ""
    except (TypeError, ValueError):
        return validate()
    return _validated.get_or_make((*key_parts, variables_key), validate)


def clear() -> None:
    _parsed.clear()
    _validated.clear()
