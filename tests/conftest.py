"""Shared fixtures: one seeded demo catalogue per test session, and a GraphQL HTTP client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from demo.seeding import SIZES, Seeder


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Seed the tiny demo catalogue once; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        Seeder(SIZES["tiny"], seed=7).run()


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


class GraphQLClient:
    def __init__(self, client: Client) -> None:
        self.client = client

    def post(self, query: str, variables: dict[str, Any] | None = None, **extra: Any) -> GraphQLResult:
        payload = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        response = self.client.post(
            "/graphql/", json.dumps(payload), content_type="application/json", **extra
        )
        return GraphQLResult(response.status_code, response.json())

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
    return GraphQLClient(client)


@pytest.fixture
def user_gql(db: None) -> GraphQLClient:
    """A client logged in as a user without any permission."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_user("plain", "plain@example.com", "pw"))
    return GraphQLClient(client)


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [int(r["id"]) for r in rows]
