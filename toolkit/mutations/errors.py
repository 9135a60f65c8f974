"""``FieldError``: a validation problem at a dotted path into the mutation's input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

ALL = "__all__"


@dataclass
class FieldError:
    """``field`` is a dotted path into the input (``authors.create.1.name``, ``__all__``);
    ``code`` is Django's validation code (``required``, ``unique``, ``max_length``, ...)."""

    field: str
    messages: list[str]
    code: str = "invalid"


def join(*parts: str | int | None) -> str:
    return ".".join(str(p) for p in parts if p not in (None, ""))


@dataclass
class ErrorList:
    """The errors of one write, in input order, merged by (path, code)."""

    items: list[FieldError] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def add(self, path: str, message: str, code: str = "invalid") -> None:
        path = path or ALL
        for existing in self.items:
            if existing.field == path and existing.code == code:
                if message not in existing.messages:
                    existing.messages.append(message)
                return
        self.items.append(FieldError(path, [message], code))

    def add_validation_error(
        self, error: ValidationError, prefix: str, display: Callable[[str], str] = str
    ) -> None:
        """Django's ``ValidationError`` (from ``full_clean`` or a model method), one entry per code."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                path = join(prefix, ALL if name == NON_FIELD_ERRORS else display(name))
                for item in errors:
                    for message in item.messages:
                        self.add(path, message, item.code or "invalid")
        else:
            for item in error.error_list:
                for message in item.messages:
                    self.add(join(prefix, ALL), message, item.code or "invalid")
