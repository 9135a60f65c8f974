"""Names of generated types and root fields.

Root fields are built from snake_case Python names (``books_page``); graphene's
``auto_camelcase`` turns them into ``booksPage`` unless ``NAME_CASE`` is ``"snake"``.
"""

from __future__ import annotations

import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
GRAPHQL_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")


def snake_case(name: str) -> str:
    """``BookLaunch`` -> ``book_launch``; ``HTTPRequest`` -> ``http_request``."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def pascal_case(name: str) -> str:
    """``published_on`` -> ``PublishedOn``; ``demo`` -> ``Demo``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def pluralize(word: str) -> str:
    """English plural of a snake_case name's last word (``category`` -> ``categories``)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def constant_case(name: str) -> str:
    """``published_on`` -> ``PUBLISHED_ON`` (enum values)."""
    return snake_case(name).upper()


def is_valid_graphql_name(name: str) -> bool:
    return bool(GRAPHQL_NAME.match(name)) and not name.startswith("__")
