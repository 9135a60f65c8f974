"""A bounded load test over HTTP: ``python -m bench.load --url http://127.0.0.1:PORT --clients 16 --duration 60``.

Each client is an asyncio task with its own HTTP connection and its own user, logged in with
``tokenAuth`` (JWT); for ``--duration`` seconds it sends, back to back, a mix of reads (a nested
list of books with publisher, authors, reviews and counts; a paginated, ordered page; grouped
aggregates; one book with its reviews) and writes (a review created with ``book: {connect}``,
an update of one of its own reviews, a tag with a name unique to the client, a book created with
a nested ``publisher: {connect}`` and ``authors: {create}``). Every write the server acknowledges
(``ok: true`` and an id) is recorded; at the end each one is read back over GraphQL (reviews with
the last acknowledged title), and a write missing or different is *lost*.

Printed: requests, throughput (req/s), latency p50/p95/p99 (ms) overall and per operation,
errors by kind (HTTP 5xx, 429 rate limited, other 4xx, GraphQL errors, refused writes, transport
errors) and writes acknowledged / verified / lost. Exit status 1 when there was any 5xx, any
transport error or any lost write.

Traffic goes to 127.0.0.1 only: any other host is refused. ``--start-stack`` first starts the
whole production stack on this machine (``bench/stack.py``: PostgreSQL database, Redis, worker,
gunicorn; ``scripts/load.sh`` and ``make load`` do this) and creates one user per client;
with ``--url`` the users ``--user`` (``load-{n:02d}``: one per client) with the password in
``LOAD_PASSWORD`` must exist and hold the demo's add/change/view permissions.

Rate limits stay on: each client is its own user, so the per-user limit (6,000 requests a
minute by default) applies per client as it would to real users, and the per-address limit
(20,000 a minute) to the whole run, since every client is 127.0.0.1. 429 answers are counted
apart (not as failures): they mean the limits, not the server, stopped the traffic.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

ALLOWED_HOSTS = ("127.0.0.1",)
#: Share of each operation in the mix (reads 75 %, writes 25 %).
MIX = {
    "NestedBooks": 30,
    "BooksPage": 20,
    "BookAggregates": 15,
    "BookWithReviews": 10,
    "CreateReview": 10,
    "UpdateReview": 6,
    "CreateTag": 5,
    "CreateBookNested": 4,
}
WRITES = {"CreateReview", "UpdateReview", "CreateTag", "CreateBookNested"}

DOCUMENTS = {
    "NestedBooks": """query NestedBooks($offset: Int) {
  books(limit: 20, offset: $offset, orderBy: [{id: ASC}]) {
    id title price publisher { name } authors { name }
    reviews(limit: 3, orderBy: [{id: DESC}]) { rating title } reviewsCount
  }
}""",
    "BooksPage": """query BooksPage($page: Int) {
  booksPage(page: $page, pageSize: 25, orderBy: [{price: DESC}], where: {inStock: {eq: true}}) {
    page pageCount totalCount items { id title price status }
  }
}""",
    "BookAggregates": """query BookAggregates {
  booksAggregate(groupBy: [STATUS]) { count avg { price } groups { key { status } count max { price } } }
}""",
    "BookWithReviews": """query BookWithReviews($id: ID!) {
  book(id: $id) { id title reviewsCount reviews(limit: 10, orderBy: [{id: DESC}]) { id rating title } }
}""",
    "CreateReview": """mutation CreateReview($input: ReviewCreateInput!) {
  createReview(input: $input) { ok errors { field code } review { id title } }
}""",
    "UpdateReview": """mutation UpdateReview($id: ID!, $input: ReviewUpdateInput!) {
  updateReview(id: $id, input: $input) { ok errors { field code } review { id title } }
}""",
    "CreateTag": """mutation CreateTag($input: TagCreateInput!) {
  createTag(input: $input) { ok errors { field code } tag { id name } }
}""",
    "CreateBookNested": """mutation CreateBookNested($input: BookCreateInput!) {
  createBook(input: $input) { ok errors { field code } book { id title authors { id } } }
}""",
    "TokenAuth": """mutation TokenAuth($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { ok access errors { field code } }
}""",
    "Setup": """query Setup { books(limit: 200, orderBy: [{id: ASC}]) { id } publishers(limit: 50) { id } }""",
}
VERIFY = {
    "reviews": "query VerifyReviews($ids: [ID!]) { reviews(where: {id: {in: $ids}}, limit: 1000) { id title } }",
    "tags": "query VerifyTags($ids: [ID!]) { tags(where: {id: {in: $ids}}, limit: 1000) { id name } }",
    "books": "query VerifyBooks($ids: [ID!]) { books(where: {id: {in: $ids}}, limit: 1000) { id title authorsCount } }",
}


class LoadError(Exception):
    """The run could not start (bad URL, login refused, ...): one readable line."""


@dataclass
class Results:
    """What a run measured; ``acknowledged[kind][id]`` is the last value the server acknowledged."""

    clients: int
    duration: float
    elapsed: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    graphql_codes: Counter = field(default_factory=Counter)
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    #: Write requests answered with ``ok: true``.
    acknowledged_requests: int = 0
    verified: int = 0
    lost: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def writes_acknowledged(self) -> int:
        return sum(len(v) for v in self.acknowledged.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def failed(self) -> bool:
        return bool(self.server_errors or self.errors["transport"] or self.lost)

    def as_dict(self) -> dict[str, Any]:
        every = [ms for values in self.latencies.values() for ms in values]
        return {
            "clients": self.clients,
            "duration_s": self.duration,
            "elapsed_s": round(self.elapsed, 2),
            "requests": self.requests,
            "throughput_rps": round(self.requests / self.elapsed, 1) if self.elapsed else 0.0,
            "latency_ms": percentiles(every),
            "per_operation": {
                name: {"count": len(v), **percentiles(v)} for name, v in sorted(self.latencies.items())
            },
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "graphql_error_codes": dict(self.graphql_codes),
            "writes": {
                "acknowledged_requests": self.acknowledged_requests,
                "acknowledged_rows": self.writes_acknowledged,
                "verified": self.verified,
                "lost": len(self.lost),
            },
            "acknowledged": {kind: sorted(rows, key=int) for kind, rows in self.acknowledged.items()},
        }


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p95/p99 (nearest rank) in milliseconds."""
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))], 1)

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99)}


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        raise LoadError(
            f"refusing to send load to {url!r}: only http://127.0.0.1:<port> is allowed (a load test never leaves this machine)"
        )
    return f"http://{parts.netloc}"


class Client:
    """One simulated user: its own connection, token, random stream and rows."""

    def __init__(self, number: int, base: str, results: Results, run_id: str, timeout: float) -> None:
        self.number = number
        self.results = results
        self.run_id = run_id
        self.random = random.Random(f"{run_id}-{number}")
        self.http = httpx.AsyncClient(
            base_url=base,
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.token = ""
        self.book_ids: list[str] = []
        self.publisher_ids: list[str] = []
        self.own_reviews: list[str] = []
        self.serial = 0

    async def post(
        self, name: str, variables: dict[str, Any] | None = None, *, timed: bool = True
    ) -> dict | None:
        """POST one operation; records latency, status and errors; the JSON body or None."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        body = {
            "query": DOCUMENTS.get(name) or VERIFY[name],
            "variables": variables or {},
            "operationName": None,
        }
        started = time.perf_counter()
        try:
            response = await self.http.post("/graphql/", json=body, headers=headers)
        except httpx.HTTPError as exc:
            if timed:
                self.results.errors["transport"] += 1
                self.results.errors[f"transport: {type(exc).__name__}"] += 1
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if timed:
            self.results.latencies[name].append(elapsed)
            self.results.statuses[response.status_code] += 1
        if response.status_code == 429:
            self.results.errors["429 rate limited"] += 1
            retry = response.headers.get("Retry-After", "1")
            await asyncio.sleep(min(float(retry) if retry.isdigit() else 1.0, 5.0))
            return None
        if response.status_code >= 500:
            self.results.errors["5xx"] += 1
            return None
        if response.status_code >= 400:
            self.results.errors[f"{response.status_code}"] += 1
        try:
            payload = response.json()
        except ValueError:
            self.results.errors["invalid JSON"] += 1
            return None
        if payload.get("errors"):
            self.results.errors["graphql errors"] += 1
            for error in payload["errors"]:
                self.results.graphql_codes[(error.get("extensions") or {}).get("code", "?")] += 1
            return None
        return payload.get("data")

    async def login(self, username: str, password: str) -> None:
        data = await self.post("TokenAuth", {"username": username, "password": password}, timed=False)
        if not data or not data["tokenAuth"]["ok"]:
            raise LoadError(f"login of {username!r} refused: {data and data['tokenAuth']['errors']}")
        self.token = data["tokenAuth"]["access"]
        setup = await self.post("Setup", timed=False)
        if not setup or not setup["books"]:
            raise LoadError("the database has no books: seed it first (manage.py demo_seed)")
        self.book_ids = [row["id"] for row in setup["books"]]
        self.publisher_ids = [row["id"] for row in setup["publishers"]]

    def unique(self) -> str:
        self.serial += 1
        return f"{self.run_id}-{self.number:02d}-{self.serial}"

    async def step(self) -> None:
        name = self.random.choices(list(MIX), weights=list(MIX.values()))[0]
        if name == "UpdateReview" and not self.own_reviews:
            name = "CreateReview"
        await getattr(self, f"op_{name}")(name)

    async def op_NestedBooks(self, name: str) -> None:
        await self.post(name, {"offset": self.random.randrange(0, max(1, len(self.book_ids) - 20), 20)})

    async def op_BooksPage(self, name: str) -> None:
        await self.post(name, {"page": self.random.randint(1, 4)})

    async def op_BookAggregates(self, name: str) -> None:
        await self.post(name)

    async def op_BookWithReviews(self, name: str) -> None:
        await self.post(name, {"id": self.random.choice(self.book_ids)})

    def acknowledge(self, kind: str, payload: dict | None, key: str, value: Any) -> dict | None:
        if payload is None:
            return None
        if not payload["ok"]:
            self.results.errors["write refused"] += 1
            for error in payload["errors"]:
                self.results.graphql_codes[f"FieldError {error['field']}: {error['code']}"] += 1
            return None
        row = payload[key]
        self.results.acknowledged_requests += 1
        self.results.acknowledged[kind][row["id"]] = value
        return row

    async def op_CreateReview(self, name: str) -> None:
        title = f"load {self.unique()}"
        data = await self.post(
            name,
            {
                "input": {
                    "book": {"connect": self.random.choice(self.book_ids)},
                    "rating": self.random.randint(1, 5),
                    "reviewerName": f"Load client {self.number}",
                    "title": title,
                    "createdAt": datetime.datetime.now(datetime.UTC).isoformat(),
                }
            },
        )
        row = self.acknowledge("reviews", data and data["createReview"], "review", title)
        if row:
            self.own_reviews.append(row["id"])

    async def op_UpdateReview(self, name: str) -> None:
        review = self.random.choice(self.own_reviews)
        title = f"load {self.unique()} (edited)"
        data = await self.post(
            name, {"id": review, "input": {"title": title, "rating": self.random.randint(1, 5)}}
        )
        self.acknowledge("reviews", data and data["updateReview"], "review", title)

    async def op_CreateTag(self, name: str) -> None:
        unique = self.unique()
        data = await self.post(name, {"input": {"name": f"load {unique}", "slug": f"load-{unique}"}})
        self.acknowledge("tags", data and data["createTag"], "tag", f"load {unique}")

    async def op_CreateBookNested(self, name: str) -> None:
        unique = self.unique()
        isbn = f"97{abs(hash(unique)) % 10**11:011d}"
        title = f"Load book {unique}"
        data = await self.post(
            name,
            {
                "input": {
                    "title": title,
                    "slug": f"load-book-{unique}",
                    "isbn": isbn,
                    "price": f"{self.random.randint(100, 9000) / 100:.2f}",
                    "publisher": {"connect": self.random.choice(self.publisher_ids)},
                    "authors": {
                        "create": [
                            {"name": f"Load author {unique}-{i}", "email": f"load-{unique}-{i}@example.com"}
                            for i in range(2)
                        ]
                    },
                }
            },
        )
        self.acknowledge("books", data and data["createBook"], "book", title)

    async def run_until(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            await self.step()

    async def close(self) -> None:
        await self.http.aclose()


async def verify(client: Client, results: Results) -> None:
    """Read every acknowledged row back: missing, or a different last value, is lost."""
    fields = {"reviews": "title", "tags": "name", "books": "title"}
    for kind, expected in results.acknowledged.items():
        ids = list(expected)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            data = await client.post(kind, {"ids": chunk}, timed=False)
            if data is None:
                raise LoadError(f"cannot read back the acknowledged {kind} (see the errors above)")
            found = {row["id"]: row for row in data[kind]}
            for row_id in chunk:
                row = found.get(row_id)
                if row is None or row[fields[kind]] != expected[row_id]:
                    results.lost.append(
                        f"{kind} {row_id}: expected {expected[row_id]!r}, found {row and row[fields[kind]]!r}"
                    )
                elif kind == "books" and row["authorsCount"] != 2:
                    results.lost.append(f"books {row_id}: {row['authorsCount']} nested authors instead of 2")
                else:
                    results.verified += 1


async def run(
    url: str,
    *,
    clients: int = 16,
    duration: float = 60,
    password: str,
    user: str = "load-{n:02d}",
    timeout: float = 30,
) -> Results:
    """The load run itself (also called by tests/e2e); raises ``LoadError`` if it cannot start."""
    base = check_url(url)
    results = Results(clients=clients, duration=duration)
    run_id = f"{int(time.time()) % 10**6:06d}{random.randrange(100):02d}"
    pool = [Client(n, base, results, run_id, timeout) for n in range(1, clients + 1)]
    try:
        await asyncio.gather(*(c.login(user.format(n=c.number), password) for c in pool))
        started = time.monotonic()
        await asyncio.gather(*(c.run_until(started + duration) for c in pool))
        results.elapsed = time.monotonic() - started
        await verify(pool[0], results)
    finally:
        await asyncio.gather(*(c.close() for c in pool))
    return results


def report(results: Results) -> str:
    summary = results.as_dict()
    lines = [
        f"clients: {results.clients}, duration: {results.duration:g} s (measured {summary['elapsed_s']} s)",
        f"requests: {summary['requests']}, throughput: {summary['throughput_rps']} req/s",
        "latency ms: p50 {p50}, p95 {p95}, p99 {p99}".format(**summary["latency_ms"]),
        f"{'operation':<18} {'count':>7} {'p50':>8} {'p95':>8} {'p99':>8}",
    ]
    for name, row in summary["per_operation"].items():
        lines.append(f"{name:<18} {row['count']:>7} {row['p50']:>8} {row['p95']:>8} {row['p99']:>8}")
    lines.append(f"HTTP statuses: {', '.join(f'{k}: {v}' for k, v in summary['statuses'].items()) or 'none'}")
    errors = {k: v for k, v in summary["errors"].items() if v}
    lines.append(f"errors: {', '.join(f'{k}: {v}' for k, v in sorted(errors.items())) or 'none'}")
    if summary["graphql_error_codes"]:
        lines.append(f"GraphQL error codes: {summary['graphql_error_codes']}")
    writes = summary["writes"]
    lines.append(
        f"writes: {results.acknowledged_requests} acknowledged requests, {writes['acknowledged_rows']} rows;"
        f" verified {writes['verified']}, lost {writes['lost']}"
    )
    lines.extend(f"  lost: {entry}" for entry in results.lost[:20])
    lines.append("result: FAILED (5xx, transport errors or lost writes)" if results.failed else "result: ok")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the running site, http://127.0.0.1:<port> only")
    where.add_argument(
        "--start-stack", action="store_true", help="start the production stack here first (bench/stack.py)"
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (default 60)")
    parser.add_argument("--user", default="load-{n:02d}", help="username of client n (default load-{n:02d})")
    parser.add_argument("--seed-size", default="small", help="--start-stack: demo_seed size (default small)")
    parser.add_argument(
        "--web-concurrency",
        type=int,
        default=None,
        help="--start-stack: gunicorn workers (default: 2 x CPUs + 1)",
    )
    parser.add_argument("--json", dest="json_path", help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 64 or not 0 < args.duration <= 600:
        parser.error("--clients must be 1-64 and --duration at most 600 s (the load is bounded)")
    try:
        if args.start_stack:
            from bench.stack import Stack

            print("starting the stack (PostgreSQL database, Redis, worker, gunicorn) ...", file=sys.stderr)
            stack = Stack(
                load_users=args.clients, seed_size=args.seed_size, web_concurrency=args.web_concurrency
            )
            with stack:
                print(
                    f"stack ready at {stack.url}; {args.clients} clients for {args.duration:g} s",
                    file=sys.stderr,
                )
                results = asyncio.run(
                    run(stack.url, clients=args.clients, duration=args.duration, password=stack.password)
                )
        else:
            check_url(args.url)
            password = os.environ.get("LOAD_PASSWORD")
            if not password:
                parser.error("set LOAD_PASSWORD to the load users' password")
            results = asyncio.run(
                run(args.url, clients=args.clients, duration=args.duration, password=password, user=args.user)
            )
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report(results))
    if args.json_path:
        with open(args.json_path, "w") as out:
            json.dump(results.as_dict(), out, indent=2)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
