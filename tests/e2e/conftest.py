"""One production stack for the whole e2e module (``bench/stack.py``): its own PostgreSQL database,
its own redis-server, the Procfile's worker and gunicorn, the real clamd; stopped (process groups
killed, database dropped) after the module, whatever happened.

Runs only in the PostgreSQL pass: the stack's database is created on the server of
``DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.db import connection

from bench.stack import Stack
from tests.services import CLAMD_URL

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the end-to-end stack runs on PostgreSQL (the PostgreSQL pass covers it)",
)


@pytest.fixture(scope="module")
def stack(real_services: None) -> Iterator[Stack]:
    """The running stack; on a failure its processes' logs are attached to the report."""
    running = Stack(postgres_url=os.environ["DATABASE_URL"], clamd_url=CLAMD_URL, load_users=16)
    running.start()
    try:
        yield running
    finally:
        running.stop()


class GraphQL:
    """A GraphQL client over real HTTP (JSON and multipart), optionally with a JWT."""

    def __init__(self, stack: Stack, token: str | None = None) -> None:
        self.stack = stack
        self.token = token
        self.http = httpx.Client(base_url=stack.url, timeout=30)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
        return self.http.post(
            "/graphql/",
            json={"query": query, "variables": variables or {}},
            headers={**self.headers(), **headers},
        )

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a successful operation (fails the test on any error)."""
        response = self.post(query, variables)
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), (response.status_code, body)
        return body["data"]

    def upload(self, query: str, variables: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> dict:
        """A GraphQL multipart request: ``files`` maps a variable path to (filename, content, type)."""
        mapping = {str(i): [f"variables.{path}"] for i, path in enumerate(files)}
        parts = {str(i): file for i, file in enumerate(files.values())}
        response = self.http.post(
            "/graphql/",
            data={
                "operations": json.dumps({"query": query, "variables": variables}),
                "map": json.dumps(mapping),
            },
            files=parts,
            headers=self.headers(),
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), (response.status_code, body)
        return body["data"]

    def login(self, username: str, password: str) -> GraphQL:
        data = self.data(
            "mutation($u: String!, $p: String!) { tokenAuth(username: $u, password: $p) { ok access refresh errors { code } } }",
            {"u": username, "p": password},
        )["tokenAuth"]
        assert data["ok"] and data["access"], data
        return GraphQL(self.stack, data["access"])

    def close(self) -> None:
        self.http.close()


@pytest.fixture(scope="module")
def anonymous(stack: Stack) -> Iterator[GraphQL]:
    client = GraphQL(stack)
    yield client
    client.close()


@pytest.fixture(scope="module")
def admin(stack: Stack, anonymous: GraphQL) -> Iterator[GraphQL]:
    """Logged in with JWT as the staff user ``e2e-admin``."""
    client = anonymous.login("e2e-admin", stack.password)
    yield client
    client.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Attach the end of the stack's logs to a failed test's report."""
    outcome = yield
    report = outcome.get_result()
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.failed and isinstance(stack, Stack):
        for name in ("web", "worker"):
            lines = [line for line in stack.tail(name, 400).splitlines() if '"gunicorn.access"' not in line]
            report.sections.append((f"stack {name} log (end, without access lines)", "\n".join(lines[-15:])))
