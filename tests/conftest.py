"""Shared fixtures: one seeded demo catalogue per test session, and a GraphQL HTTP client."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from demo.seeding import SIZES, Seeder

#: Real Redis, clamd and RQ workers (``real_services``, ``redis_url``, ``rq_redis``, ``rq_worker``),
#: registered once so a test run claims one Redis database.
pytest_plugins = ["tests.services"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Seed the tiny demo catalogue once; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        Seeder(SIZES["tiny"], seed=7).run()
        # Load the feature flags now, as a server process does on its first request: tests that
        # pin SQL counts must not see this one-off query (toolkit.flags keeps the rows per process).
        from toolkit import flags

        flags.rows()


@dataclass
class GraphQLResult:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    def error_code(self) -> str:
        assert len(self.errors) == 1, self.errors
        return self.codes[0]


#: Every successful query of the suite is run a second time with the query planner off and must
#: give the same data (TOOLKIT_OPTIMIZER_CHECK=0 skips it).
OPTIMIZER_CHECK = os.environ.get("TOOLKIT_OPTIMIZER_CHECK", "1") != "0"


def assert_optimizer_neutral(query: str, variables: dict[str, Any] | None, user: Any, data: Any) -> None:
    """Run ``query`` again, unplanned, as ``user``: the planner may only change the SQL."""
    from graphql import OperationType, get_operation_ast, parse

    import toolkit
    from toolkit import optimizer
    from toolkit.mutations.execution import MutationExecutionContext

    operation = get_operation_ast(parse(query))
    if operation is None or operation.operation != OperationType.QUERY:
        return
    request = RequestFactory().post("/graphql/")
    request.user = user
    with optimizer.disabled():
        result = toolkit.get_schema().execute(
            query,
            variables=variables,
            context_value=request,
            execution_context_class=MutationExecutionContext,
        )
    assert not result.errors, result.errors
    assert json.loads(json.dumps(result.data, default=str)) == data, "the query planner changed a result"


class GraphQLClient:
    def __init__(self, client: Client, user: Any = None) -> None:
        self.client = client
        #: The logged-in user, for the optimizer check.
        self.user = user if user is not None else AnonymousUser()

    def post(
        self, query: str, variables: dict[str, Any] | None = None, *, check: bool = True, **extra: Any
    ) -> GraphQLResult:
        payload = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        response = self.client.post(
            "/graphql/", json.dumps(payload), content_type="application/json", **extra
        )
        result = GraphQLResult(response.status_code, response.json())
        token_client = "HTTP_AUTHORIZATION" in getattr(self.client, "defaults", {})
        if (
            check
            and OPTIMIZER_CHECK
            and result.status == 200
            and not result.errors
            and not extra
            and not token_client
        ):
            assert_optimizer_neutral(query, variables, self.user, result.data)
        return result

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """Run a query that must succeed; returns ``data``."""
        result = self.post(query, variables)
        assert result.status == 200 and not result.errors, result.body
        return result.data

    def error(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResult:
        """Run a query that must fail with exactly one error."""
        result = self.post(query, variables)
        assert len(result.errors) == 1, result.body
        return result


@pytest.fixture
def gql(client: Client, db: None) -> GraphQLClient:
    """An anonymous client."""
    return GraphQLClient(client)


@pytest.fixture
def admin_user(db: None) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_gql(admin_user: Any, db: None) -> GraphQLClient:
    """A client logged in (session) as a superuser: every permission."""
    client = Client()
    client.force_login(admin_user)
    return GraphQLClient(client, admin_user)


@pytest.fixture
def user_gql(db: None) -> GraphQLClient:
    """A client logged in as a user without any permission."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("plain", "plain@example.com", "pw")
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, user)


@pytest.fixture
def staff_user(db: None) -> Any:
    """A staff user without any permission (sees staff-only fields, may not write)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("staffer", "staffer@example.com", "pw", is_staff=True)


@pytest.fixture
def staff_gql(staff_user: Any) -> GraphQLClient:
    """A client logged in (session) as :func:`staff_user`."""
    client = Client()
    client.force_login(staff_user)
    return GraphQLClient(client, staff_user)


@pytest.fixture
def gql_as(db: None) -> Any:
    """``gql_as(user)``: a client logged in (session) as ``user``."""

    def make(user: Any) -> GraphQLClient:
        client = Client()
        client.force_login(user)
        return GraphQLClient(client, user)

    return make


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]
