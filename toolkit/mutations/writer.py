"""The transactional nested write behind every generated mutation.

A :class:`Writer` creates or updates one row from an input dict, runs Django's ``full_clean()``
on it, saves it with ``save()`` (so signals fire), then applies the relation operations of the
input, recursing into nested creates and updates. Every problem becomes a ``FieldError`` at its
input path. After the first error nothing more is written, but the rest of the input is still
validated, so one response lists every problem; the caller rolls the transaction back.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError

from toolkit.fieldkinds import Kind
from toolkit.ids import to_pk
from toolkit.mutations.errors import ALL, ErrorList, join
from toolkit.mutations.inputs import concurrency_key, generic_members, relation_kind, through_model
from toolkit.permissions import model_permission, require
from toolkit.security.context import current_user
from toolkit.security.policies import CHANGE, DELETE, READ

if TYPE_CHECKING:
    from toolkit.registry import FieldSpec, ModelSpec
    from toolkit.schema import SchemaBuilder

REQUIRED_MESSAGE = "This field is required."
_INVALID = object()


def is_required(field: models.Field) -> bool:
    """Django's form rule: not blank and no default."""
    return not field.blank and not field.has_default() and not getattr(field, "auto_now_add", False)


class Writer:
    """One mutation's writes and their errors."""

    def __init__(
        self, builder: SchemaBuilder, info: Any = None, known: dict[tuple, models.Model] | None = None
    ) -> None:
        self.builder = builder
        #: The request's resolve info: nested writes of other models check their permissions
        #: (the root model's permission is checked by the mutation field).
        self.info = info
        self._permitted: set[tuple] = set()
        self.errors = ErrorList()
        #: Rows already fetched, by (model, pk): bulk writes fetch every ``connect`` at once.
        self.known = known if known is not None else {}
        #: Callbacks of stored files to run once their row is saved, by ``id(instance)``.
        self._after_save: dict[int, list[Any]] = {}

    @property
    def writing(self) -> bool:
        """False once an error is known: the rest of the input is only validated."""
        return not self.errors

    def display(self, name: str) -> str:
        return self.builder.display(name)

    def permit(self, model: type[models.Model], action: str, path: str) -> None:
        """Nested writes need the nested model's permission, as Django admin inlines do."""
        if not path or self.info is None or (model, action) in self._permitted:
            return
        require(self.info, model_permission(model, action))
        self._permitted.add((model, action))

    # -- entry points ---------------------------------------------------------------------------
    def create(
        self, model: type[models.Model], data: dict, path: str = "", fixed: dict[str, Any] | None = None
    ) -> models.Model | None:
        """Create a ``model`` row from ``data``; ``fixed`` holds links set by a parent."""
        self.permit(model, "add", path)
        spec = self.builder.spec(model)
        instance = model()
        fixed = fixed or {}
        for name, value in fixed.items():
            setattr(instance, name, value)
        self.set_owner(spec, instance)
        relations, rejected = self.assign(spec, instance, data, path, fixed)
        skip = self.require_fields(spec, data, path, fixed)
        unsaved_links = {name for name, value in fixed.items() if getattr(value, "pk", None) is None}
        exclude = skip | rejected | unsaved_links | self.not_writable(spec)
        saved = self._clean_and_save(spec, instance, path, exclude=exclude)
        self._relations(spec, instance, relations, path, saved)
        return instance if saved else None

    def update(self, instance: models.Model, data: dict, path: str = "") -> models.Model | None:
        self.permit(type(instance), "change", path)
        spec = self.builder.spec(type(instance))
        if not self.check_fresh(spec, instance, data, path):
            return None
        relations, rejected = self.assign(spec, instance, data, path, {})
        version = spec.version_field
        if version is not None and isinstance(version, models.IntegerField):
            setattr(instance, version.attname, (getattr(instance, version.attname) or 0) + 1)
        saved = self._clean_and_save(spec, instance, path, exclude=rejected | self.not_writable(spec))
        self._relations(spec, instance, relations, path, saved)
        return instance if saved else None

    def delete(self, instance: models.Model, path: str = "") -> bool:
        self.permit(type(instance), "delete", path)
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as exc:
            blockers = sorted({str(type(o)._meta.verbose_name_plural) for o in exc.args[1]})
            self.errors.add(
                join(path, ALL),
                f"Cannot delete this {type(instance)._meta.verbose_name}: related {', '.join(blockers)} "
                "depend on it.",
                "protected",
            )
            return False
        return True

    def fetch(
        self, model: type[models.Model], raw_id: Any, path: str, *, action: str = READ, **filters: Any
    ) -> Any:
        """The row with id ``raw_id`` the caller may reach for ``action``, or None with an error
        at ``path`` (a row they may not reach reads as not existing)."""
        found = self.fetch_many(model, [raw_id], path, indexed=False, action=action, **filters)
        return found[0] if found else None

    def fetch_many(
        self,
        model: type[models.Model],
        raw_ids: list,
        path: str,
        *,
        indexed: bool = True,
        action: str = READ,
        **filters: Any,
    ) -> list | None:
        """Rows for ``raw_ids`` in the given order; None (with errors) if any is unknown."""
        spec = self.builder.spec(model)
        pks: list[Any] = []
        for raw in raw_ids:
            try:
                pks.append(to_pk(model._meta.pk, raw))
            except ValueError:
                pks.append(_INVALID)
        cached = not filters and action == READ
        by_pk = {pk: self.known[(model, pk)] for pk in pks if cached and (model, pk) in self.known}
        missing = [pk for pk in pks if pk is not _INVALID and pk not in by_pk]
        if missing:
            rows = self.builder.queryset(model, action).filter(pk__in=missing, **filters)
            by_pk |= {row.pk: row for row in rows}
        ok = True
        for index, (raw, pk) in enumerate(zip(raw_ids, pks, strict=True)):
            where = join(path, index) if indexed else path
            if pk is _INVALID:
                self.errors.add(where, f"{raw!r} is not a valid {spec.type_name} id.", "invalid")
            elif pk not in by_pk:
                self.errors.add(where, f"{spec.type_name} with id {raw!r} does not exist.", "does_not_exist")
            else:
                continue
            ok = False
        return [by_pk[pk] for pk in pks] if ok else None

    # -- one row ---------------------------------------------------------------------------------
    def check_fresh(self, spec: ModelSpec, instance: models.Model, data: dict, path: str) -> bool:
        """Optimistic concurrency: the client's expected version must still be current."""
        version = spec.version_field
        if version is None:
            return True
        key = concurrency_key(version)
        if key not in data or data[key] is None:
            return True
        current = getattr(instance, version.attname)
        if current != data[key]:
            self.errors.add(
                join(path, self.display(key)),
                f"This {spec.type_name} was changed since you read it ({version.name} is now {current}).",
                "stale",
            )
            return False
        return True

    def assign(
        self, spec: ModelSpec, instance: models.Model, data: dict, path: str, fixed: dict[str, Any]
    ) -> tuple[dict[str, Any], set[str]]:
        """Set plain fields and to-one links. Returns the to-many operations (applied after the
        save) and the fields whose value was refused (full_clean must not report them again)."""
        relations: dict[str, Any] = {}
        rejected: set[str] = set()
        version = spec.version_field
        for name, value in data.items():
            if version is not None and name == concurrency_key(version):
                continue
            field_path = join(path, self.display(name))
            if name in fixed:
                self.errors.add(field_path, "Set by the parent object; leave it out.", "invalid")
                continue
            fs = spec.fields[name]
            if fs.kind == Kind.TO_MANY:
                relations[name] = value
            elif fs.kind == Kind.GENERIC_FK:
                if not self._assign_generic(instance, fs, value, field_path):
                    rejected |= {fs.field.ct_field, fs.field.fk_field}
            elif fs.kind == Kind.TO_ONE:
                if not self._assign_to_one(instance, fs, value, field_path):
                    rejected.add(fs.field.name)
            elif fs.kind == Kind.FILE:
                if not self._assign_file(instance, fs, value, field_path):
                    rejected.add(fs.field.name)
            elif not self._assign_value(instance, fs, value, field_path):
                rejected.add(fs.field.name)
        return relations, rejected

    def _assign_value(self, instance: models.Model, fs: FieldSpec, value: Any, path: str) -> bool:
        if isinstance(value, enum.Enum):
            value = value.value
        if _has_nul(value):
            self.errors.add(path, "NUL characters are not allowed.", "invalid")
            return False
        if value is None and fs.kind == Kind.STRING and not fs.field.null:
            value = ""  # Django stores "no value" of a non-null text field as ""
        setattr(instance, fs.field.attname, value)
        return True

    def _assign_file(self, instance: models.Model, fs: FieldSpec, value: Any, path: str) -> bool:
        """Hand an ``Upload`` (or null) to the schema extension that stores files; a refused file
        is a FieldError with the extension's code (e.g. ``unsupported_type``)."""
        try:
            after_save = self.builder.file_writer.write_file(instance, fs.name, value)
        except ValidationError as exc:
            for item in exc.error_list:
                for message in item.messages:
                    self.errors.add(path, message, item.code or "invalid")
            return False
        if after_save is not None:
            self._after_save.setdefault(id(instance), []).append(after_save)
        return True

    def _assign_to_one(self, instance: models.Model, fs: FieldSpec, value: Any, path: str) -> bool:
        if value is None:
            setattr(instance, fs.field.name, None)
            return True
        chosen = {k: v for k, v in value.items() if v is not None}
        if len(chosen) != 1:
            self.errors.add(path, "Set exactly one of 'connect' and 'create'.", "invalid")
            return False
        target = fs.related_model
        if "connect" in chosen:
            related = self.fetch(target, chosen["connect"], join(path, "connect"))
        else:
            related = self.create(target, chosen["create"], join(path, "create"))
        if related is None:
            return False
        setattr(instance, fs.field.name, related)
        return True

    def _assign_generic(self, instance: models.Model, fs: FieldSpec, value: Any, path: str) -> bool:
        field: GenericForeignKey = fs.field
        if value is None:
            setattr(instance, field.ct_field, None)
            setattr(instance, field.fk_field, None)
            return True
        members = generic_members(self.builder.generic_union(field))
        kind = value["type"].value if isinstance(value["type"], enum.Enum) else value["type"]
        target = self.fetch(members[kind], value["id"], join(path, "id"))
        if target is None:
            return False
        setattr(instance, field.name, target)
        return True

    @staticmethod
    def set_owner(spec: ModelSpec, instance: models.Model) -> None:
        """The server sets the owner field of a new row to the caller; clients cannot."""
        if spec.options.owner_field:
            setattr(instance, spec.options.owner_field, current_user())

    @staticmethod
    def not_writable(spec: ModelSpec) -> set[str]:
        """Model fields clients cannot set: validated by whoever sets them, not reported to clients
        (as a ModelForm validates only its own fields)."""
        writable = set(spec.writable)
        return {
            f.name for f in spec.model._meta.concrete_fields if f.name not in writable and not f.primary_key
        }

    def require_fields(self, spec: ModelSpec, data: dict, path: str, fixed: dict[str, Any]) -> set[str]:
        """Report required fields the input leaves out; returns them (full_clean skips them)."""
        missing = set()
        files = spec.writable_files if self.builder.file_writer is not None else []
        for name in [*spec.writable, *files]:
            fs = spec.fields[name]
            if name in data or name in fixed:
                continue
            if fs.kind == Kind.GENERIC_FK:
                ct_field = spec.model._meta.get_field(fs.field.ct_field)
                if is_required(ct_field):
                    missing |= {fs.field.ct_field, fs.field.fk_field}
                    self.errors.add(join(path, self.display(name)), REQUIRED_MESSAGE, "required")
            elif fs.kind != Kind.TO_MANY and isinstance(fs.field, models.Field) and is_required(fs.field):
                missing.add(name)
                self.errors.add(join(path, self.display(name)), REQUIRED_MESSAGE, "required")
        return missing

    def _clean_and_save(self, spec: ModelSpec, instance: models.Model, path: str, exclude: set[str]) -> bool:
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as exc:
            self.errors.add_validation_error(exc, path, self._error_name(spec))
        if not self.writing:
            return False
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError:
            # A race the validation could not see (or a constraint Django does not model).
            self.errors.add(
                join(path, ALL),
                f"The database refused this {spec.type_name}: it conflicts with existing data.",
                "integrity",
            )
            return False
        for after_save in self._after_save.pop(id(instance), []):
            after_save()  # e.g. link a stored file to the row's new primary key
        return True

    def _error_name(self, spec: ModelSpec) -> Any:
        """Map model field names in Django's errors to input names (a generic key's parts to
        the generic field itself)."""
        generic = {}
        for f in spec.model._meta.private_fields:
            if isinstance(f, GenericForeignKey):
                generic[f.ct_field] = generic[f.fk_field] = f.name
        return lambda name: self.display(generic.get(name, name))

    # -- to-many relations -------------------------------------------------------------------------
    def _relations(
        self, spec: ModelSpec, instance: models.Model, relations: dict[str, Any], path: str, saved: bool
    ) -> None:
        for name, ops in relations.items():
            fs = spec.fields[name]
            field_path = join(path, self.display(name))
            if ops is None:
                self.errors.add(field_path, "Must not be null.", "null")
            elif relation_kind(fs) == "many":
                self._many(instance, fs, ops, field_path, saved)
            else:
                self._children(instance, fs, ops, field_path, saved)

    def _many(self, instance: models.Model, fs: FieldSpec, ops: dict, path: str, saved: bool) -> None:
        target = fs.related_model
        through_defaults = self._through_defaults(fs, ops.get("through"), join(path, "through"))
        # A link changes both sides: the rows linked must be reachable for a change, not just visible.
        linked = {
            op: self.fetch_many(target, ops[op], join(path, op), action=CHANGE)
            for op in ("set", "remove", "add")
            if ops.get(op) is not None
        }
        created = [
            self.create(target, data, join(path, "create", i))
            for i, data in enumerate(ops.get("create") or [])
        ]
        if not (saved and self.writing):
            return
        manager = getattr(instance, fs.name)
        if "set" in linked:  # replace only the links the caller could have removed one by one
            keep = {row.pk for row in linked["set"]}
            manager.remove(*[row for row in self._reachable(target, manager) if row.pk not in keep])
            manager.add(*linked["set"], through_defaults=through_defaults)
        if "remove" in linked:
            manager.remove(*linked["remove"])
        if linked.get("add") or created:
            manager.add(*(linked.get("add") or []), *created, through_defaults=through_defaults)

    def _through_defaults(self, fs: FieldSpec, data: dict | None, path: str) -> dict[str, Any] | None:
        through = through_model(fs.field)
        if through is None or not data:
            return None
        values = {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in data.items()}
        links = {f.name for f in through._meta.fields if f.is_relation}
        try:
            through(**values).full_clean(exclude=links, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            self.errors.add_validation_error(exc, path, self.display)
        return values

    def _children(self, instance: models.Model, fs: FieldSpec, ops: dict, path: str, saved: bool) -> None:
        child_model = fs.related_model
        link = fs.field.field  # the foreign key on the child model
        if any(ops.get(op) is not None for op in ("set", "add", "remove")):
            self.permit(child_model, "change", path)  # re-linking changes the child rows
        mine = {link.name: instance} if instance.pk is not None else {"pk__in": []}
        attached = {
            op: self.fetch_many(child_model, ops[op], join(path, op), action=CHANGE)
            for op in ("set", "add", "remove")
            if ops.get(op) is not None
        }
        updated = [
            (
                self.fetch(child_model, item["id"], join(path, "update", i, "id"), action=CHANGE, **mine),
                item,
                i,
            )
            for i, item in enumerate(ops.get("update") or [])
        ]
        deleted = (
            self.fetch_many(child_model, ops["delete"], join(path, "delete"), action=DELETE, **mine)
            if ops.get("delete")
            else []
        )
        if not link.null:
            self._refuse_detaching(instance, fs, attached, path)
        for index, data in enumerate(ops.get("create") or []):
            self.create(child_model, data, join(path, "create", index), fixed={link.name: instance})
        for child, item, index in updated:
            if child is not None:
                self.update(child, item["input"], join(path, "update", index))
        if not (saved and self.writing):
            return
        manager = getattr(instance, fs.name)
        if attached.get("set") is not None:
            keep = {child.pk for child in attached["set"]}
            detach = [child for child in self._reachable(child_model, manager) if child.pk not in keep]
            if detach:
                manager.remove(*detach, bulk=False)
            manager.add(*attached["set"], bulk=False)
        if attached.get("remove"):
            manager.remove(*attached["remove"], bulk=False)
        if attached.get("add"):
            manager.add(*attached["add"], bulk=False)
        for child in deleted or []:
            self.delete(child, join(path, "delete"))

    def _reachable(self, model: type[models.Model], manager: Any) -> models.QuerySet:
        """The rows of a relation the caller may change (``set`` leaves the others alone)."""
        return self.builder.queryset(model, CHANGE).filter(pk__in=manager.values("pk"))

    def _refuse_detaching(self, instance: models.Model, fs: FieldSpec, attached: dict, path: str) -> None:
        """Children whose link is required cannot be detached, only deleted."""
        link = fs.field.field
        detached = bool(attached.get("remove"))
        if attached.get("set") is not None and instance.pk is not None:
            keep = {child.pk for child in attached["set"]}
            detached = detached or getattr(instance, fs.name).exclude(pk__in=keep).exists()
        if detached:
            name = self.builder.spec(fs.related_model).type_name
            self.errors.add(
                join(path, "remove" if attached.get("remove") else "set"),
                f"A {name} cannot be detached (its {link.name} is required); delete it instead.",
                "invalid",
            )


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
