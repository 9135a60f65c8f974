"""Mutation inputs: which fields are writable, their types, and names under both name cases."""

from __future__ import annotations

import pytest
from django.test import override_settings

from demo.models import Book, PartnerAccount, Publisher, Review, Store, Tag

ERRORS = "errors { field code messages }"
TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECT = f"""
query($name: String!) {{
  __type(name: $name) {{
    kind
    inputFields {{ name type {{ {TYPE_REF} }} }}
    fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }}
  }}
}}"""
ALL_TYPES = "{ __schema { types { kind name inputFields { name type { kind } } } mutationType { name } } }"
SENSITIVE = ("password", "token", "secret", "key", "hash")


def render(ref):
    if ref["kind"] == "NON_NULL":
        return render(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{render(ref['ofType'])}]"
    return ref["name"]


def introspect(client, name):
    return client(INTROSPECT, {"name": name})["__type"]


def input_fields(client, name):
    """``{field: "Type"}`` of an input type, or None when the type does not exist."""
    found = introspect(client, name)
    return None if found is None else {f["name"]: render(f["type"]) for f in found["inputFields"]}


def mutation_names(client):
    return {f["name"] for f in introspect(client, "Mutation")["fields"]}


def query_names(client):
    return {f["name"] for f in introspect(client, "Query")["fields"]}


# -- hidden, automatic and file fields -------------------------------------------------------------


def test_partner_account_inputs__hold_no_secret_field(gql):
    expected = {"name": "String", "contactEmail": "String", "isActive": "Boolean", "lastSeenIp": "String"}
    assert input_fields(gql, "PartnerAccountCreateInput") == expected
    update = input_fields(gql, "PartnerAccountUpdateInput")
    assert update == {**expected, "expectedUpdatedAt": "DateTime"}


def test_no_mutation_input_has_a_sensitive_looking_field(gql):
    types = gql(ALL_TYPES)["__schema"]["types"]
    suffixes = ("CreateInput", "UpdateInput", "ThroughInput")
    inputs = [t for t in types if t["kind"] == "INPUT_OBJECT" and t["name"].endswith(suffixes)]
    assert {"BookCreateInput", "PartnerAccountUpdateInput", "AuthorshipThroughInput"} <= {
        t["name"] for t in inputs
    }
    offending = {
        (t["name"], f["name"])
        for t in inputs
        for f in t["inputFields"]
        if any(word in f["name"].lower() for word in SENSITIVE)
    }
    assert offending == set()


def test_partner_account_create__secret_field_in_the_input_is_refused(admin_gql):
    before = PartnerAccount.objects.count()
    result = admin_gql.error(
        'mutation { createPartnerAccount(input: {name: "Acme", contactEmail: "a@acme.test", apiToken: "t"})'
        " { ok } }"
    )
    assert result.status == 400
    assert "apiToken" in result.errors[0]["message"]
    assert PartnerAccount.objects.count() == before


def test_partner_account_create__errors_never_name_a_hidden_field(admin_gql):
    """Hidden fields cannot be sent, so they are not the client's to fix (Django's ModelForm
    leaves fields that are not on the form out of validation)."""
    payload = admin_gql(
        f'mutation {{ createPartnerAccount(input: {{name: "Acme", contactEmail: "a@acme.test"}}) {{ ok {ERRORS} }} }}'
    )["createPartnerAccount"]
    writable = set(input_fields(admin_gql, "PartnerAccountCreateInput"))
    assert {e["field"] for e in payload["errors"]} <= writable | {"__all__"}, payload


def test_partner_account_update__secrets_are_kept_and_not_writable(admin_gql):
    account = PartnerAccount.objects.order_by("pk").first()
    payload = admin_gql(
        f'mutation {{ updatePartnerAccount(id: {account.pk}, input: {{name: "Renamed"}}) {{ ok {ERRORS} }} }}'
    )["updatePartnerAccount"]
    assert payload == {"ok": True, "errors": []}
    after = PartnerAccount.objects.get(pk=account.pk)
    assert (after.name, after.api_token, after.password_hash) == (
        "Renamed",
        account.api_token,
        account.password_hash,
    )


def test_excluded_and_sensitive_fields__are_not_in_inputs(gql):
    """Gadget (``Widget``): ``weight`` is excluded by its GraphQLMeta, ``serial_key`` looks sensitive."""
    with override_settings(TOOLKIT={"APPS": ["demo", "clash"]}):
        assert input_fields(gql, "WidgetCreateInput") == {"label": "String"}
        assert input_fields(gql, "WidgetUpdateInput") == {"label": "String"}
    with override_settings(TOOLKIT={"APPS": ["demo"], "MODELS": {"demo.Book": {"exclude": ["description"]}}}):
        assert "description" not in input_fields(gql, "BookCreateInput")
        assert "description" not in input_fields(gql, "BookUpdateInput")


@pytest.mark.parametrize(
    ("input_type", "absent"),
    [
        ("BookCreateInput", {"id", "createdAt", "updatedAt", "uuid", "comments"}),
        ("BookUpdateInput", {"id", "createdAt", "updatedAt", "uuid"}),
        ("StoreCreateInput", {"id", "version"}),
        ("StoreUpdateInput", {"id", "version"}),
        ("PublisherCreateInput", {"id", "createdAt", "updatedAt"}),
        ("AuthorProfileCreateInput", {"id"}),
        ("CommentCreateInput", {"id", "contentType", "objectId"}),
    ],
)
def test_automatic_and_editable_false_fields__are_not_in_inputs(gql, input_type, absent):
    fields = input_fields(gql, input_type)
    assert fields, input_type
    assert absent & set(fields) == set()


def test_file_fields__take_an_upload_only_when_a_schema_extension_stores_files(gql):
    """The media pipeline (TOOLKIT["SCHEMA_EXTENSIONS"]) stores them (docs/uploads.md)."""
    files = {"BookCreateInput": {"cover", "sampleChapter"}, "PublisherUpdateInput": {"logo"}}
    for input_type, names in files.items():
        assert {name: input_fields(gql, input_type)[name] for name in names} == dict.fromkeys(names, "Upload")
    with override_settings(TOOLKIT={"APPS": ["demo"], "SCHEMA_EXTENSIONS": []}):
        for input_type, names in files.items():
            assert names & set(input_fields(gql, input_type)) == set()


def test_book_create_input__holds_exactly_the_writable_fields(gql):
    assert input_fields(gql, "BookCreateInput") == {
        "title": "String",
        "slug": "String",
        "isbn": "String",
        "status": "BookStatus",
        "description": "String",
        "edition": "Int",
        "pages": "Int",
        "wordCount": "BigInt",
        "price": "Decimal",
        "rating": "Float",
        "inStock": "Boolean",
        "publishedOn": "Date",
        "readingTime": "Duration",
        "metadata": "JSON",
        "cover": "Upload",
        "sampleChapter": "Upload",
        "publisher": "PublisherToOneInput",
        "authors": "BookAuthorsInput",
        "tags": "TagManyInput",
        "authorships": "AuthorshipChildrenInput",
        "reviews": "ReviewChildrenInput",
        "launches": "BookLaunchChildrenInput",
        "stores": "StoreManyInput",
        "readingLists": "ReadingListManyInput",
    }


def test_automatic_fields__sent_anyway_are_refused_and_still_set_by_django(admin_gql):
    before = Book.objects.count()
    for extra in ('uuid: "12345678-1234-5678-1234-567812345678"', 'createdAt: "2020-01-01T00:00:00Z"'):
        result = admin_gql.error(
            f'mutation {{ createBook(input: {{title: "T", slug: "t-x", isbn: "9120000000001", price: "1", {extra}}})'
            " { ok } }"
        )
        assert result.status == 400
    assert Book.objects.count() == before
    payload = admin_gql(
        'mutation { createBook(input: {title: "T", slug: "t-x", isbn: "9120000000001", price: "1"})'
        " { ok book { id uuid createdAt updatedAt } } }"
    )["createBook"]
    created = Book.objects.get(pk=payload["book"]["id"])
    assert payload["book"]["uuid"] == str(created.uuid)
    assert created.created_at is not None and created.updated_at is not None


def test_store_update__version_cannot_be_set_but_is_incremented(admin_gql):
    store = Store.objects.order_by("pk").first()
    result = admin_gql.error(f"mutation {{ updateStore(id: {store.pk}, input: {{version: 40}}) {{ ok }} }}")
    assert result.status == 400
    assert Store.objects.get(pk=store.pk).version == store.version
    admin_gql(f'mutation {{ updateStore(id: {store.pk}, input: {{city: "Faro"}}) {{ ok }} }}')
    assert Store.objects.get(pk=store.pk).version == store.version + 1


# -- read-only fields and models ---------------------------------------------------------------------


def test_read_only_fields__are_left_out_of_inputs_but_still_readable(admin_gql):
    book = Book.objects.order_by("pk").first()
    settings = {
        "APPS": ["demo"],
        "MODELS": {"demo.Book": {"read_only_fields": ["description", "publisher", "tags"]}},
    }
    with override_settings(TOOLKIT=settings):
        for name in ("BookCreateInput", "BookUpdateInput"):
            assert {"description", "publisher", "tags"} & set(input_fields(admin_gql, name)) == set()
            assert {"title", "price", "reviews"} <= set(input_fields(admin_gql, name))
        readable = {f["name"] for f in introspect(admin_gql, "Book")["fields"]}
        assert {"description", "publisher", "tags"} <= readable
        result = admin_gql.error(
            f'mutation {{ updateBook(id: {book.pk}, input: {{description: "x"}}) {{ ok }} }}'
        )
        assert result.status == 400
        payload = admin_gql(
            f'mutation {{ updateBook(id: {book.pk}, input: {{title: "Only Title"}}) {{ ok book {{ description }} }} }}'
        )["updateBook"]
    assert payload == {"ok": True, "book": {"description": book.description}}
    after = Book.objects.get(pk=book.pk)
    assert (after.title, after.description) == ("Only Title", book.description)


def test_read_only_fields__also_apply_to_nested_inputs(gql):
    settings = {"APPS": ["demo"], "MODELS": {"demo.Review": {"read_only_fields": ["rating"]}}}
    with override_settings(TOOLKIT=settings):
        assert "rating" not in input_fields(gql, "ReviewCreateInput")
        assert "rating" not in input_fields(gql, "ReviewUpdateInput")


def test_read_only_model__has_no_generated_mutations_but_keeps_its_queries(admin_gql):
    settings = {"APPS": ["demo"], "MODELS": {"demo.Tag": {"read_only": True}}}
    with override_settings(TOOLKIT=settings):
        mutations = mutation_names(admin_gql)
        for name in (
            "createTag",
            "updateTag",
            "deleteTag",
            "bulkCreateTags",
            "bulkUpdateTags",
            "bulkDeleteTags",
        ):
            assert name not in mutations
        assert {"createBook", "bulkCreateBooks"} <= mutations
        assert {"tag", "tags", "tagsPage", "tagsConnection", "tagsAggregate"} <= query_names(admin_gql)
        for name in ("TagCreateInput", "TagUpdateInput", "TagBulkUpdateItem", "TagPayload", "TagBulkPayload"):
            assert introspect(admin_gql, name) is None, name
        tags = admin_gql("{ tags { name } }")["tags"]
    assert [t["name"] for t in tags] == list(
        Tag.objects.order_by("name", "pk").values_list("name", flat=True)
    )


def test_read_only_target__to_one_input_can_only_connect(admin_gql):
    settings = {"APPS": ["demo"], "MODELS": {"demo.Publisher": {"read_only": True}}}
    publisher = Publisher.objects.order_by("pk").first()
    with override_settings(TOOLKIT=settings):
        assert input_fields(admin_gql, "PublisherToOneInput") == {"connect": "ID"}
        payload = admin_gql(
            'mutation($p: ID!) { createBook(input: {title: "T", slug: "t-ro", isbn: "9130000000001", price: "2",'
            " publisher: {connect: $p}}) { ok book { publisher { id } } } }",
            {"p": publisher.pk},
        )["createBook"]
    assert payload == {"ok": True, "book": {"publisher": {"id": str(publisher.pk)}}}


def test_read_only_published_book__has_no_mutation_of_any_kind(gql):
    """``read_only`` removes a model's mutations, method mutations it inherits from Book included."""
    mutations = mutation_names(gql)
    assert {"publishedBook", "publishedBooks"} <= query_names(gql)
    assert {n for n in mutations if "PublishedBook" in n} == set()


# -- concurrency keys, relation inputs -------------------------------------------------------------


def test_update_inputs__carry_the_concurrency_key_create_inputs_do_not(gql):
    assert input_fields(gql, "BookUpdateInput")["expectedUpdatedAt"] == "DateTime"
    assert input_fields(gql, "AuthorUpdateInput")["expectedUpdatedAt"] == "DateTime"
    assert input_fields(gql, "StoreUpdateInput")["expectedVersion"] == "Int"
    assert "expectedUpdatedAt" not in input_fields(gql, "BookCreateInput")
    assert "expectedVersion" not in input_fields(gql, "StoreCreateInput")
    assert not {n for n in input_fields(gql, "TagUpdateInput") if n.startswith("expected")}


def test_many_to_many_with_a_through_model__takes_the_through_fields(gql):
    assert input_fields(gql, "BookAuthorsInput") == {
        "set": "[ID!]",
        "add": "[ID!]",
        "remove": "[ID!]",
        "create": "[AuthorCreateInput!]",
        "through": "AuthorshipThroughInput",
    }
    assert input_fields(gql, "AuthorshipThroughInput") == {"role": "AuthorshipRole", "position": "Int"}
    assert input_fields(gql, "AuthorBooksInput")["through"] == "AuthorshipThroughInput"


def test_plain_many_to_many__has_no_through(gql):
    assert input_fields(gql, "TagManyInput") == {
        "set": "[ID!]",
        "add": "[ID!]",
        "remove": "[ID!]",
        "create": "[TagCreateInput!]",
    }


def test_reverse_foreign_key__children_input_has_every_operation(gql):
    assert input_fields(gql, "ReviewChildrenInput") == {
        "set": "[ID!]",
        "add": "[ID!]",
        "remove": "[ID!]",
        "create": "[ReviewCreateInput!]",
        "update": "[ReviewBulkUpdateItem!]",
        "delete": "[ID!]",
    }
    assert input_fields(gql, "ReviewBulkUpdateItem") == {"id": "ID!", "input": "ReviewUpdateInput!"}


def test_to_one_input__connect_or_create(gql):
    assert input_fields(gql, "PublisherToOneInput") == {"connect": "ID", "create": "PublisherCreateInput"}
    assert input_fields(gql, "ReviewCreateInput")["book"] == "BookToOneInput"


# -- every input field is nullable; required ones are FieldErrors -----------------------------------


def test_every_create_and_update_input_field__is_nullable(gql):
    types = gql(ALL_TYPES)["__schema"]["types"]
    checked = [
        t for t in types if t["kind"] == "INPUT_OBJECT" and t["name"].endswith(("CreateInput", "UpdateInput"))
    ]
    assert len(checked) >= 20
    non_null = {
        (t["name"], f["name"]) for t in checked for f in t["inputFields"] if f["type"]["kind"] == "NON_NULL"
    }
    assert non_null == set()


def test_missing_required_fields__are_field_errors_with_code_required(admin_gql):
    before = Book.objects.count()
    payload = admin_gql(
        f'mutation {{ createBook(input: {{description: "only this"}}) {{ ok {ERRORS} book {{ id }} }} }}'
    )["createBook"]
    assert payload["ok"] is False and payload["book"] is None
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("isbn", "required"),
        ("price", "required"),
        ("slug", "required"),
        ("title", "required"),
    ]
    assert Book.objects.count() == before


def test_explicit_null_for_a_required_field__is_a_field_error_not_a_graphql_error(admin_gql):
    before = Review.objects.count()
    book = Book.objects.order_by("pk").first()
    payload = admin_gql(
        f"mutation {{ createReview(input: {{book: {{connect: {book.pk}}}, reviewerName: null, rating: null,"
        f' createdAt: "2025-01-01T00:00:00Z"}}) {{ ok {ERRORS} }} }}'
    )["createReview"]
    assert payload["ok"] is False
    assert {e["field"] for e in payload["errors"]} == {"reviewerName", "rating"}
    assert Review.objects.count() == before


# -- snake_case ------------------------------------------------------------------------------------


@pytest.fixture
def snake():
    with override_settings(TOOLKIT={"APPS": ["demo"], "NAME_CASE": "snake"}):
        yield


def test_snake_case__mutation_and_argument_names(gql, snake):
    mutations = mutation_names(gql)
    assert {
        "create_book",
        "update_book",
        "delete_book",
        "bulk_create_books",
        "bulk_update_books",
        "bulk_delete_books",
        "publish_book",
    } <= mutations
    assert not {n for n in mutations if any(c.isupper() for c in n)}
    fields = {f["name"]: f for f in introspect(gql, "Mutation")["fields"]}
    assert {a["name"] for a in fields["create_book"]["args"]} == {"input", "dry_run"}
    assert {a["name"] for a in fields["update_book"]["args"]} == {"id", "input", "dry_run"}
    assert {a["name"] for a in fields["bulk_create_books"]["args"]} == {"inputs", "atomic"}
    assert "expected_updated_at" in input_fields(gql, "BookUpdateInput")
    assert "expected_version" in input_fields(gql, "StoreUpdateInput")
    assert {"reviewer_name", "created_at", "verified_purchase"} <= set(input_fields(gql, "ReviewCreateInput"))
    assert {"deleted_id"} <= {f["name"] for f in introspect(gql, "DeletePayload")["fields"]}


def test_snake_case__error_paths_use_snake_names(admin_gql, snake):
    before = (Book.objects.count(), Review.objects.count())
    payload = admin_gql(
        'mutation { create_book(dry_run: false, input: {title: "T", slug: "t-snake", isbn: "9140000000001",'
        ' price: "3", status: PUBLISHED, in_stock: false,'
        ' reviews: {create: [{rating: 3, created_at: "2025-01-01T00:00:00Z"}]}})'
        f" {{ ok {ERRORS} }} }}"
    )["create_book"]
    assert payload["ok"] is False
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("published_on", "invalid"),
        ("reviews.create.0.reviewer_name", "required"),
    ]
    assert (Book.objects.count(), Review.objects.count()) == before


def test_snake_case__bulk_results_and_stale_key(admin_gql, snake):
    store = Store.objects.order_by("pk").first()
    payload = admin_gql(
        "mutation($items: [StoreBulkUpdateItem!]!) { bulk_update_stores(items: $items, atomic: false)"
        f" {{ ok results {{ index ok {ERRORS} }} }} }}",
        {
            "items": [
                {"id": store.pk, "input": {"open_on_weekends": True, "expected_version": store.version + 7}}
            ]
        },
    )["bulk_update_stores"]
    assert [(e["field"], e["code"]) for e in payload["results"][0]["errors"]] == [
        ("expected_version", "stale")
    ]
    assert Store.objects.get(pk=store.pk).version == store.version


def test_snake_case__dry_run_writes_nothing(admin_gql, snake):
    before = Tag.objects.count()
    payload = admin_gql(
        'mutation { create_tag(dry_run: true, input: {name: "zz", slug: "zz"}) { ok tag { name } } }'
    )
    assert payload["create_tag"] == {"ok": True, "tag": {"name": "zz"}}
    assert Tag.objects.count() == before
