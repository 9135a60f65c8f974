"""System checks for the TOOLKIT configuration: one exact message per mistake (toolkit.E001...)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

import toolkit
from demo.models import Book, Comment, PartnerAccount, Review
from tests.clash.models import Gadget
from toolkit.checks import check_configuration
from toolkit.exceptions import ConfigurationError


def toolkit_messages(config: dict) -> list[checks.CheckMessage]:
    with override_settings(TOOLKIT=config):
        return checks.run_checks(tags=["toolkit"])


def only_message(config: dict) -> checks.CheckMessage:
    messages = toolkit_messages(config)
    assert len(messages) == 1, messages
    return messages[0]


def with_models(models: dict, apps: list[str] | None = None) -> dict:
    return {"APPS": apps or ["demo"], "MODELS": models}


# -- the default configuration ---------------------------------------------------------------


def test_default_test_settings__produce_no_toolkit_messages():
    assert checks.run_checks(tags=["toolkit"]) == []
    assert check_configuration() == []


def test_check_is_registered_under_the_toolkit_tag():
    assert "toolkit" in checks.registry.registry.tags_available()
    assert check_configuration in checks.registry.registry.get_checks()


def test_exposing_the_clash_app_with_its_valid_graphqlmeta__is_clean():
    assert toolkit_messages({"APPS": ["demo", "clash"]}) == []


# -- E001: unknown app or model in APPS -------------------------------------------------------


def test_e001__unknown_app_in_apps():
    message = only_message({"APPS": ["demo", "nope"]})
    assert message.id == "toolkit.E001"
    assert message.level == checks.ERROR
    assert "unknown app 'nope'" in message.msg
    assert 'TOOLKIT["APPS"]' in message.msg


def test_e001__unknown_model_in_apps():
    message = only_message({"APPS": ["demo.Nope"]})
    assert message.id == "toolkit.E001"
    assert message.level == checks.ERROR
    assert "unknown model 'demo.Nope'" in message.msg


def test_e001__malformed_model_label_in_apps_is_reported_not_raised():
    message = only_message({"APPS": ["demo.Book.Extra"]})
    assert message.id == "toolkit.E001"
    assert "'demo.Book.Extra'" in message.msg


def test_e001__each_unknown_entry_is_reported_once():
    messages = toolkit_messages({"APPS": ["nope", "demo.Nope", "demo"]})
    assert [(m.id, m.level) for m in messages] == [("toolkit.E001", checks.ERROR)] * 2
    assert "'nope'" in messages[0].msg and "'demo.Nope'" in messages[1].msg


# -- E002: MODELS options for an unknown model ------------------------------------------------


@pytest.mark.parametrize("label", ["demo.Nope", "nope.Book", "demo"])
def test_e002__models_key_for_an_unknown_model(label):
    message = only_message(with_models({label: {}}))
    assert message.id == "toolkit.E002"
    assert message.level == checks.ERROR
    assert f"unknown model '{label}'" in message.msg
    assert 'TOOLKIT["MODELS"]' in message.msg


# -- E003: unknown field names -----------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "fields",
        "exclude",
        "filter_fields",
        "order_fields",
        "read_only_fields",
        "regex_fields",
        "allow_sensitive",
    ],
)
def test_e003__option_naming_an_unknown_field(option):
    message = only_message(with_models({"demo.Book": {option: ["title", "no_such_field"]}}))
    assert message.id == "toolkit.E003"
    assert message.level == checks.ERROR
    assert message.obj is Book
    assert message.msg == (
        f"demo.Book: '{option}' names field 'no_such_field', which does not exist on the model."
    )
    assert "title" in message.hint and "price" in message.hint


def test_e003__unknown_field_in_graphqlmeta_is_reported(monkeypatch):
    """GraphQLMeta is checked like the settings (the clash app's Gadget declares one)."""
    monkeypatch.setattr(Gadget.GraphQLMeta, "exclude", ["weight", "colour"])
    message = only_message({"APPS": ["demo", "clash"]})
    assert message.id == "toolkit.E003"
    assert message.obj is Gadget
    assert "clash.Gadget" in message.msg and "'exclude'" in message.msg and "'colour'" in message.msg


def test_e003__generic_targets_naming_a_field_that_is_not_a_generic_foreign_key():
    message = only_message(with_models({"demo.Comment": {"generic_targets": {"body": ["demo.Book"]}}}))
    assert message.id == "toolkit.E003"
    assert message.level == checks.ERROR
    assert message.obj is Comment
    assert "demo.Comment" in message.msg and "'body'" in message.msg
    assert "GenericForeignKey" in message.msg


def test_e003__generic_targets_naming_an_unknown_field():
    message = only_message(with_models({"demo.Comment": {"generic_targets": {"nope": ["demo.Book"]}}}))
    assert message.id == "toolkit.E003"
    assert "demo.Comment" in message.msg and "'nope'" in message.msg


@pytest.mark.parametrize("label", ["demo.Nope", "auth.User"])
def test_e003__generic_targets_naming_a_model_that_is_not_exposed(label):
    message = only_message(with_models({"demo.Comment": {"generic_targets": {"target": [label]}}}))
    assert message.id == "toolkit.E003"
    assert message.obj is Comment
    assert "demo.Comment" in message.msg and "'target'" in message.msg and f"'{label}'" in message.msg


def test_generic_targets_naming_exposed_models__is_clean():
    assert (
        toolkit_messages(with_models({"demo.Comment": {"generic_targets": {"target": ["demo.Book"]}}})) == []
    )


# -- E004: wrong value types --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("fields", "title", "'__all__' or a list of field names"),
        ("fields", ["title", 3], "'__all__' or a list of field names"),
        ("exclude", "title", "a list of field names"),
        ("filter_fields", {"title": True}, "'__all__' or a list of field names"),
        ("read_only", "yes", "True or False"),
        ("exposed", 1, "True or False"),
        ("name", 42, "a string"),
        ("generic_targets", ["demo.Book"], "a dict of field name to a list of 'app_label.Model' labels"),
    ],
)
def test_e004__option_with_a_wrong_value_type(option, value, expected):
    model = "demo.Comment" if option == "generic_targets" else "demo.Book"
    message = only_message(with_models({model: {option: value}}))
    assert message.id == "toolkit.E004"
    assert message.level == checks.ERROR
    assert (
        message.msg == f'TOOLKIT["MODELS"]["{model}"]: option \'{option}\' must be {expected}, got {value!r}.'
    )


def test_e004__wrong_value_type_in_graphqlmeta_names_the_model(monkeypatch):
    monkeypatch.setattr(Gadget.GraphQLMeta, "exclude", "weight")
    message = only_message({"APPS": ["demo", "clash"]})
    assert message.id == "toolkit.E004"
    assert message.obj is Gadget
    assert (
        message.msg
        == "clash.Gadget.GraphQLMeta: option 'exclude' must be a list of field names, got 'weight'."
    )


def test_e004__model_options_not_a_dict():
    message = only_message(with_models({"demo.Book": ["title"]}))
    assert message.id == "toolkit.E004"
    assert message.obj is Book
    assert message.msg == 'TOOLKIT["MODELS"]["demo.Book"] must be a dict of options.'


def test_e004__both_fields_and_exclude():
    message = only_message(with_models({"demo.Book": {"fields": ["title"], "exclude": ["isbn"]}}))
    assert message.id == "toolkit.E004"
    assert message.obj is Book
    assert message.msg == "demo.Book: set either 'fields' or 'exclude', not both."


def test_e004__fields_from_settings_and_exclude_from_graphqlmeta_also_conflict():
    """Gadget's GraphQLMeta sets ``exclude``; adding ``fields`` in the settings gives both."""
    message = only_message(with_models({"clash.Gadget": {"fields": ["label"]}}, apps=["demo", "clash"]))
    assert message.id == "toolkit.E004"
    assert message.obj is Gadget
    assert "clash.Gadget" in message.msg and "'fields'" in message.msg and "'exclude'" in message.msg


@pytest.mark.parametrize("field", ["price", "pages", "published_on", "publisher"])
def test_e004__regex_fields_on_a_non_string_field(field):
    message = only_message(with_models({"demo.Book": {"regex_fields": [field]}}))
    assert message.id == "toolkit.E004"
    assert message.obj is Book
    assert message.msg == f"demo.Book: 'regex_fields' names '{field}', which is not a string field."


def test_regex_fields_on_string_fields__is_clean():
    assert toolkit_messages(with_models({"demo.Book": {"regex_fields": ["title", "isbn"]}})) == []


@pytest.mark.parametrize("value", ["kebab", "Camel", None, 1])
def test_e004__name_case_invalid(value):
    message = only_message({"APPS": ["demo"], "NAME_CASE": value})
    assert message.id == "toolkit.E004"
    assert message.level == checks.ERROR
    assert message.msg == f'TOOLKIT["NAME_CASE"] must be "camel" or "snake", got {value!r}.'


@pytest.mark.parametrize(
    "limits",
    [
        {"DEFAULT_LIMIT": -1},
        {"DEFAULT_LIMIT": 0},
        {"MAX_LIMIT": -5},
        {"DEFAULT_LIMIT": "100"},
        {"DEFAULT_LIMIT": 10.5},
        {"MAX_LIMIT": True},
    ],
)
def test_e004__limits_must_be_positive_integers(limits):
    message = only_message({"APPS": ["demo"], **limits})
    assert message.id == "toolkit.E004"
    assert message.msg == 'TOOLKIT["DEFAULT_LIMIT"] and ["MAX_LIMIT"] must be positive integers.'


@pytest.mark.parametrize("value", [[], "demo.Book", None])
def test_e004__models_not_a_dict(value):
    message = only_message({"APPS": ["demo"], "MODELS": value})
    assert message.id == "toolkit.E004"
    assert message.msg == 'TOOLKIT["MODELS"] must be a dict keyed by "app_label.Model".'


@pytest.mark.parametrize("key", ["APPS", "SENSITIVE_FIELD_PATTERNS", "SENSITIVE_FIELD_NAMES"])
@pytest.mark.parametrize("value", ["demo", ["demo", 3]])
def test_e004__list_settings_must_be_lists_of_strings(key, value):
    config = {"APPS": ["demo"], key: value}
    message = only_message(config)
    assert message.id == "toolkit.E004"
    assert message.msg == f'TOOLKIT["{key}"] must be a list of strings.'


# -- E005: unknown keys --------------------------------------------------------------------------


def test_e005__unknown_toolkit_key():
    message = only_message({"APPS": ["demo"], "DEFAULT_LIMT": 10})
    assert message.id == "toolkit.E005"
    assert message.level == checks.ERROR
    assert message.msg == "TOOLKIT has an unknown key 'DEFAULT_LIMT'."
    assert "DEFAULT_LIMIT" in message.hint and "MAX_LIMIT" in message.hint


def test_e005__unknown_per_model_option_in_settings():
    message = only_message(with_models({"demo.Book": {"filterable": ["title"]}}))
    assert message.id == "toolkit.E005"
    assert message.obj is Book
    assert message.msg == 'TOOLKIT["MODELS"]["demo.Book"]: unknown option \'filterable\'.'
    assert "filter_fields" in message.hint


def test_e005__unknown_option_in_settings_for_a_model_with_graphqlmeta():
    message = only_message(with_models({"clash.Gadget": {"colour": "red"}}, apps=["demo", "clash"]))
    assert message.id == "toolkit.E005"
    assert message.obj is Gadget
    assert message.msg == 'TOOLKIT["MODELS"]["clash.Gadget"]: unknown option \'colour\'.'


def test_e005__unknown_graphqlmeta_attribute(monkeypatch):
    monkeypatch.setattr(Gadget.GraphQLMeta, "colour", "red", raising=False)
    message = only_message({"APPS": ["demo", "clash"]})
    assert message.id == "toolkit.E005"
    assert message.level == checks.ERROR
    assert message.obj is Gadget
    assert message.msg == "clash.Gadget.GraphQLMeta: unknown option 'colour'."


def test_graphqlmeta_of_a_model_that_is_not_exposed__is_not_checked(monkeypatch):
    monkeypatch.setattr(Gadget.GraphQLMeta, "colour", "red", raising=False)
    assert toolkit_messages({"APPS": ["demo"]}) == []


# -- E006: generated names ---------------------------------------------------------------------


def test_e006__type_name_clashing_with_another_model():
    messages = toolkit_messages(with_models({"demo.Book": {"name": "Publisher"}}))
    assert {m.id for m in messages} == {"toolkit.E006"}
    assert all(m.obj is Book and m.level == checks.ERROR for m in messages)
    assert any("type name 'Publisher' is already used by demo.Publisher" in m.msg for m in messages)


def test_e006__plural_clashing_with_another_models_root_field():
    message = only_message(with_models({"demo.Book": {"plural": "publishers"}}))
    assert message.id == "toolkit.E006"
    assert message.obj is Book
    assert message.msg == "demo.Book: root field 'publishers' is already used by demo.Publisher."


def test_e006__invalid_graphql_type_name():
    messages = toolkit_messages(with_models({"demo.Book": {"name": "Book Two"}}))
    assert {m.id for m in messages} == {"toolkit.E006"}
    assert any(m.msg == "demo.Book: type name 'Book Two' is not a valid GraphQL name." for m in messages)


# -- E007: filtering/ordering on hidden fields --------------------------------------------------


@pytest.mark.parametrize("option", ["filter_fields", "order_fields"])
def test_e007__sensitive_field_named_in_filter_or_order_fields(option):
    message = only_message(with_models({"demo.PartnerAccount": {option: ["name", "password_hash"]}}))
    assert message.id == "toolkit.E007"
    assert message.level == checks.ERROR
    assert message.obj is PartnerAccount
    assert message.msg.startswith(
        f"demo.PartnerAccount: '{option}' names field 'password_hash', which is not readable"
    )


@pytest.mark.parametrize("option", ["filter_fields", "order_fields"])
def test_e007__excluded_field_named_in_filter_or_order_fields(option):
    message = only_message(with_models({"demo.Book": {"exclude": ["isbn"], option: ["title", "isbn"]}}))
    assert message.id == "toolkit.E007"
    assert message.obj is Book
    assert f"demo.Book: '{option}' names field 'isbn'" in message.msg


def test_e007__field_left_out_of_fields_named_in_filter_fields():
    message = only_message(with_models({"demo.Book": {"fields": ["title"], "filter_fields": ["price"]}}))
    assert message.id == "toolkit.E007"
    assert "'filter_fields' names field 'price'" in message.msg


def test_e007__relation_to_a_model_that_is_not_exposed():
    """Review.user points at auth.User, which is not exposed."""
    message = only_message(with_models({"demo.Review": {"filter_fields": ["user"]}}))
    assert message.id == "toolkit.E007"
    assert message.obj is Review
    assert "demo.Review: 'filter_fields' names field 'user'" in message.msg


def test_allowed_sensitive_field_in_filter_fields__is_clean():
    config = with_models(
        {"demo.PartnerAccount": {"allow_sensitive": ["password_hash"], "filter_fields": ["password_hash"]}}
    )
    assert toolkit_messages(config) == []


# -- E008: DEFAULT_LIMIT above MAX_LIMIT -----------------------------------------------------------


def test_e008__default_limit_larger_than_max_limit():
    message = only_message({"APPS": ["demo"], "DEFAULT_LIMIT": 200, "MAX_LIMIT": 50})
    assert message.id == "toolkit.E008"
    assert message.level == checks.ERROR
    assert message.msg == 'TOOLKIT["DEFAULT_LIMIT"] (200) is larger than ["MAX_LIMIT"] (50).'


def test_e008__default_limit_above_the_default_max_limit():
    message = only_message({"APPS": ["demo"], "DEFAULT_LIMIT": 1001})
    assert message.id == "toolkit.E008"
    assert "(1001)" in message.msg and "(1000)" in message.msg


def test_default_limit_equal_to_max_limit__is_clean():
    assert toolkit_messages({"APPS": ["demo"], "DEFAULT_LIMIT": 50, "MAX_LIMIT": 50}) == []


# -- W001: options for a model that is not exposed --------------------------------------------


def test_w001__options_for_a_model_that_is_not_exposed():
    message = only_message(with_models({"auth.User": {"exclude": ["email"]}}))
    assert message.id == "toolkit.W001"
    assert message.level == checks.WARNING
    assert isinstance(message, checks.Warning)
    assert message.msg == "TOOLKIT[\"MODELS\"] has options for 'auth.User', which is not exposed."


def test_w001__options_for_a_model_of_an_app_that_is_not_listed():
    message = only_message(with_models({"clash.Gadget": {"exclude": ["label"]}}))
    assert message.id == "toolkit.W001"
    assert "'clash.Gadget'" in message.msg


def test_w001__model_hidden_with_exposed_false__is_not_a_warning():
    assert toolkit_messages(with_models({"demo.Tag": {"exposed": False}})) == []


# -- the checks and the schema build agree ----------------------------------------------------


def test_check_configuration__returns_the_same_messages_as_run_checks():
    config = with_models({"demo.Book": {"fields": ["nope"]}, "auth.User": {}})
    with override_settings(TOOLKIT=config):
        direct = check_configuration()
        via_django = checks.run_checks(tags=["toolkit"])
    assert direct == via_django
    assert sorted(m.id for m in direct) == ["toolkit.E003", "toolkit.W001"]


def test_schema_build_refuses_a_configuration_the_checks_reject():
    config = with_models({"demo.Book": {"order_fields": ["nope"]}})
    with override_settings(TOOLKIT=config), pytest.raises(ConfigurationError, match=r"toolkit\.E003"):
        toolkit.get_schema()


def test_schema_builds_with_only_warnings():
    with override_settings(TOOLKIT=with_models({"auth.User": {}})):
        assert toolkit.get_schema().graphql_schema.get_type("Book") is not None


# -- manage.py check ---------------------------------------------------------------------------


def test_manage_py_check__fails_for_an_invalid_toolkit_configuration():
    with override_settings(TOOLKIT={"APPS": ["demo", "nope"]}), pytest.raises(SystemCheckError) as excinfo:
        call_command("check")
    assert "toolkit.E001" in str(excinfo.value)
    assert "'nope'" in str(excinfo.value)


def test_manage_py_check__only_toolkit_tag_fails_too():
    config = {"APPS": ["demo"], "DEFAULT_LIMIT": 5000}
    with override_settings(TOOLKIT=config), pytest.raises(SystemCheckError, match=r"toolkit\.E008"):
        call_command("check", tag=["toolkit"])


def test_manage_py_check__passes_with_only_a_warning(capsys):
    with override_settings(TOOLKIT=with_models({"auth.User": {}})):
        call_command("check", tag=["toolkit"])
    out, err = capsys.readouterr()
    assert "toolkit.W001" in out + err


def test_manage_py_check__passes_with_the_default_test_settings(capsys):
    call_command("check")
    out, err = capsys.readouterr()
    assert "toolkit." not in out + err
