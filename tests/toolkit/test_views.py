"""The ``/graphql/`` HTTP endpoint: transports, status codes, error codes, GraphiQL and CSRF."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings

from demo.models import Book, Tag
from tests.conftest import ids
from toolkit.schema import SchemaBuilder

URL = "/graphql/"
BOOKS = "{ books(limit: 1) { id } }"


def body(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def codes(payload: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in payload.get("errors", [])]


def post_json(client: Client, payload, **extra):
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, raw, content_type="application/json", **extra)


def first_book_id() -> int:
    return Book.objects.order_by("pk").values_list("pk", flat=True).first()


# -- transports --------------------------------------------------------------------------------


def test_get_with_query_parameter__runs_the_query(client, db):
    response = client.get(URL, {"query": "{books(limit:1){id}}"})
    assert response.status_code == 200
    payload = body(response)
    assert "errors" not in payload
    assert ids(payload["data"]["books"]) == [first_book_id()]


def test_get_with_variables_parameter(client, db):
    book = Book.objects.order_by("pk")[2]
    response = client.get(
        URL,
        {
            "query": "query($id: ID!) { book(id: $id) { id title } }",
            "variables": json.dumps({"id": str(book.pk)}),
        },
    )
    assert response.status_code == 200
    assert body(response)["data"] == {"book": {"id": str(book.pk), "title": book.title}}


def test_get_with_invalid_variables_json__is_400_bad_request(client, db):
    response = client.get(URL, {"query": BOOKS, "variables": "{not json"})
    assert response.status_code == 400
    assert codes(body(response)) == ["BAD_REQUEST"]


def test_post_json__runs_the_query(client, db):
    response = post_json(client, {"query": BOOKS})
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


def test_post_application_graphql__runs_the_query(client, db):
    response = client.post(URL, BOOKS, content_type="application/graphql")
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


def test_post_json_with_charset__is_accepted(client, db):
    response = post_json(client, {"query": BOOKS}, CONTENT_TYPE="application/json; charset=utf-8")
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


def test_post_with_operation_name__runs_that_operation(client, db):
    query = "query A { books(limit: 1) { id } } query B { tags(limit: 2) { name } }"
    response = post_json(client, {"query": query, "operationName": "B"})
    assert response.status_code == 200
    assert list(body(response)["data"]) == ["tags"]


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/x-www-form-urlencoded", urlencode({"query": BOOKS})),
        ("text/plain", json.dumps({"query": BOOKS})),
    ],
)
def test_post_with_a_non_json_body__is_415(client, db, content_type, data):
    """Only JSON bodies: a cross-site form or text/plain POST cannot reach the schema."""
    response = client.post(URL, data, content_type=content_type)
    assert response.status_code == 415
    payload = body(response)
    assert codes(payload) == ["UNSUPPORTED_MEDIA_TYPE"]
    assert "application/json" in payload["errors"][0]["message"]
    assert "data" not in payload


def test_post_multipart_form_without_a_preflight_header__is_400_csrf_prevented(client, db):
    """Multipart is for file uploads (tests/media/graphql) and needs a header a form cannot send."""
    response = client.post(URL, {"query": BOOKS})  # the test client's default: multipart/form-data
    assert response.status_code == 400
    assert codes(body(response)) == ["CSRF_PREVENTED"]


def test_post_without_content_type__is_415(client, db):
    response = client.generic("POST", URL, json.dumps({"query": BOOKS}), content_type="")
    assert response.status_code == 415
    assert codes(body(response)) == ["UNSUPPORTED_MEDIA_TYPE"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods__are_405(client, db, method):
    response = getattr(client, method)(URL, json.dumps({"query": BOOKS}), content_type="application/json")
    assert response.status_code == 405
    assert "POST" in response["Allow"]


# -- bad requests ------------------------------------------------------------------------------


def test_invalid_json_body__is_400_bad_request(client, db):
    response = post_json(client, '{"query": "{ books { id } }"')
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["BAD_REQUEST"]
    assert "invalid JSON" in payload["errors"][0]["message"]


def test_json_list_body__is_a_batch_of_operations(client, db):
    """A JSON array is a batch: one result per operation, in order (bounded by the query limits)."""
    response = post_json(client, [{"query": BOOKS}, {"query": "{ tags(limit: 1) { name } }"}])
    assert response.status_code == 200
    first_tag = Tag.objects.order_by("name").first().name
    assert json.loads(response.content) == [
        {"data": {"books": [{"id": str(first_book_id())}]}, "id": None, "status": 200},
        {"data": {"tags": [{"name": first_tag}]}, "id": None, "status": 200},
    ]


def test_empty_json_list_body__is_400_bad_request(client, db):
    response = post_json(client, [])
    assert response.status_code == 400
    assert codes(body(response)) == ["BAD_REQUEST"]


def test_json_string_body__is_400_bad_request(client, db):
    response = post_json(client, json.dumps(BOOKS))
    assert response.status_code == 400
    assert codes(body(response)) == ["BAD_REQUEST"]


def test_missing_query__is_400_bad_request(client, db):
    response = post_json(client, {"variables": {}})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["BAD_REQUEST"]
    assert "query" in payload["errors"][0]["message"]


@pytest.mark.parametrize("variables", [[1, 2], 5, "just a string", True])
def test_variables_not_an_object__is_400_bad_request(client, db, variables):
    response = post_json(client, {"query": BOOKS, "variables": variables})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["BAD_REQUEST"]
    assert "data" not in payload


def test_variables_null__is_accepted(client, db):
    response = post_json(client, {"query": BOOKS, "variables": None})
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


def test_operation_name_not_a_string__is_400_bad_request(client, db):
    response = post_json(client, {"query": "query A { books(limit: 1) { id } }", "operationName": 3})
    assert response.status_code == 400
    assert codes(body(response)) == ["BAD_REQUEST"]


# -- GraphQL errors ----------------------------------------------------------------------------


def test_syntax_error__is_400_parse_failed(client, db):
    response = post_json(client, {"query": "{ books(limit: 1) { id }"})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["GRAPHQL_PARSE_FAILED"]
    assert payload["errors"][0]["message"].startswith("Syntax Error")
    assert payload["errors"][0]["locations"]
    assert "data" not in payload


def test_unknown_root_field__is_400_validation_failed(client, db):
    response = post_json(client, {"query": "{ bookz { id } }"})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "bookz" in payload["errors"][0]["message"]
    assert "data" not in payload


def test_unknown_operation_name__is_400_validation_failed(client, db):
    response = post_json(client, {"query": "query A { books(limit: 1) { id } }", "operationName": "B"})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "'B'" in payload["errors"][0]["message"]


def test_invalid_variable_value__is_400_bad_user_input(client, db):
    query = "query($limit: Int) { books(limit: $limit) { id } }"
    response = post_json(client, {"query": query, "variables": {"limit": "many"}})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["BAD_USER_INPUT"]
    assert "$limit" in payload["errors"][0]["message"]
    assert payload["errors"][0]["extensions"]["argument"] == "limit"
    assert "data" not in payload


def test_missing_required_variable__is_400_bad_user_input(client, db):
    query = "query($id: ID!) { book(id: $id) { id } }"
    response = post_json(client, {"query": query, "variables": {}})
    assert response.status_code == 400
    payload = body(response)
    assert codes(payload) == ["BAD_USER_INPUT"]
    assert "$id" in payload["errors"][0]["message"]


def test_mutation_over_get__is_405(client, db):
    response = client.get(URL, {"query": "mutation { noSuchField }"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    payload = body(response)
    assert codes(payload) == ["BAD_REQUEST"]
    assert "POST" in payload["errors"][0]["message"]


# -- GraphiQL ------------------------------------------------------------------------------------


def get_html(client: Client):
    return client.get(URL, HTTP_ACCEPT="text/html")


def test_graphiql__not_served_by_default_in_tests(client, db):
    response = get_html(client)
    assert not response["Content-Type"].startswith("text/html")
    assert response.status_code == 400
    assert codes(body(response)) == ["BAD_REQUEST"]


def test_graphiql__served_to_browsers_when_debug(client, db):
    with override_settings(DEBUG=True):
        response = get_html(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


def test_graphiql__served_when_enabled_in_toolkit_settings(client, db):
    with override_settings(TOOLKIT={"APPS": ["demo"], "GRAPHIQL": True}):
        response = get_html(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"graphiql" in response.content.lower()


def test_graphiql__disabled_in_toolkit_settings_even_when_debug(client, db):
    with override_settings(DEBUG=True, TOOLKIT={"APPS": ["demo"], "GRAPHIQL": False}):
        response = get_html(client)
    assert not response["Content-Type"].startswith("text/html")


def test_graphiql__json_clients_get_json_even_when_enabled(client, db):
    with override_settings(DEBUG=True):
        response = client.get(URL, {"query": BOOKS}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


# -- unexpected errors are masked and logged -------------------------------------------------


def test_unexpected_resolver_exception__is_masked_and_logged(client, db, monkeypatch, caplog):
    def explode(self, model):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(SchemaBuilder, "queryset", explode)
    with caplog.at_level(logging.ERROR, logger="toolkit.errors"):
        response = post_json(client, {"query": BOOKS})
    assert response.status_code == 200
    assert b"secret detail" not in response.content
    payload = body(response)
    assert len(payload["errors"]) == 1
    error = payload["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["path"] == ["books"]
    assert payload["data"] is None
    logged = [r for r in caplog.records if r.name == "toolkit.errors" and r.levelno == logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], RuntimeError)
    assert "secret detail" in caplog.text
    assert "books" in logged[0].getMessage()


def test_unexpected_exception_in_a_nullable_field__keeps_the_other_fields(client, db, monkeypatch):
    original = SchemaBuilder.queryset

    def explode_for_books(self, model):
        if model is Book:
            raise RuntimeError("secret detail")
        return original(self, model)

    monkeypatch.setattr(SchemaBuilder, "queryset", explode_for_books)
    query = "query($id: ID!) { book(id: $id) { id } tags(limit: 1) { name } }"
    response = post_json(client, {"query": query, "variables": {"id": str(first_book_id())}})
    assert response.status_code == 200
    assert b"secret detail" not in response.content
    payload = body(response)
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["INTERNAL_SERVER_ERROR"]
    assert payload["errors"][0]["path"] == ["book"]
    assert payload["data"] == {"book": None, "tags": [{"name": Tag.objects.order_by("name")[0].name}]}


# -- CSRF --------------------------------------------------------------------------------------


def test_json_post__needs_no_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, {"query": BOOKS})
    assert response.status_code == 200
    assert ids(body(response)["data"]["books"]) == [first_book_id()]


def test_form_post_with_csrf_enforced__is_still_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, urlencode({"query": BOOKS}), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
