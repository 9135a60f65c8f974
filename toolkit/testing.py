"""Test helpers: a query budget that names the resolver responsible for each SQL statement.

    from toolkit.testing import query_budget

    def test_books_list(client):
        with query_budget(4):
            client.post("/graphql/", ...)

fails with, e.g.::

    12 SQL statements, budget 4:
         9  books[].reviews
         2  books
         1  books[].publisher

The same attribution feeds the DEBUG warning of the view (``TOOLKIT["DEBUG_QUERY_WARNING"]``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from toolkit.stats import attributing, describe


@contextmanager
def query_budget(max_statements: int) -> Iterator[Counter]:
    """Fail when the block runs more than ``max_statements`` data statements, naming the paths."""
    with attributing() as counts:
        yield counts
    if sum(counts.values()) > max_statements:
        pytest.fail(describe(counts, max_statements), pytrace=False)
