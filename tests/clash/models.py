import datetime
import decimal
import enum
import uuid

from django.core.exceptions import ValidationError
from django.db import models

from toolkit import mutation


class Book(models.Model):
    """Same name as demo.Book: exposing both apps prefixes the type names with the app label."""

    name = models.CharField(max_length=50)


class Mood(enum.Enum):
    """A plain Python enum, for method mutation arguments."""

    CALM = "calm"
    LOUD = "loud"


def same_label(user, gadget) -> bool:
    """A callable permission: only the user whose username is the gadget's label."""
    return gadget.label == user.username


class Gadget(models.Model):
    """Its options are set by GraphQLMeta, so tests can check settings override them.

    Its methods exercise method mutations (tests/mutations/test_methods.py): the type mapping of
    arguments and results, and the ``name``, ``permission`` and ``atomic`` options.
    """

    label = models.CharField(max_length=50)
    serial_key = models.CharField(max_length=50)
    weight = models.IntegerField(default=0)

    class GraphQLMeta:
        exclude = ["weight"]
        name = "Widget"

    @mutation
    def inspect(
        self,
        count: int,
        text: str,
        flag: bool,
        amount: decimal.Decimal,
        day: datetime.date,
        span: datetime.timedelta,
        key: uuid.UUID,
        numbers: list[int],
        mood: Mood,
        note: str | None = None,
        repeat: int = 2,
        moods: list[Mood] | None = None,
    ) -> dict:
        """Echo the arguments as ``{name: [python type, str(value)]}``."""
        values = {
            "count": count,
            "text": text,
            "flag": flag,
            "amount": amount,
            "day": day,
            "span": span,
            "key": key,
            "mood": mood,
            "note": note,
            "repeat": repeat,
        }
        echoed = {name: [type(value).__name__, str(value)] for name, value in values.items()}
        echoed["numbers"] = [type(n).__name__ for n in numbers] + [str(sum(numbers))]
        echoed["moods"] = None if moods is None else [type(m).__name__ + ":" + str(m.value) for m in moods]
        return echoed

    @mutation(name="relabel_gadget_now", permission="clash.view_gadget")
    def relabel(self, label: str) -> "Gadget":
        """Custom root name and a string permission; returns the model itself."""
        self.label = label
        self.full_clean()
        self.save(update_fields=["label"])
        return self

    @mutation(permission=same_label)
    def claim(self) -> list[str]:
        """A callable permission; returns a list."""
        return [self.label, self.serial_key]

    @mutation
    def stamp(self, label: str, fail: bool = False) -> int | None:
        """Save a new label, then (``fail``) raise a ValidationError; ``label="explode"`` raises a bug."""
        return self._stamp(label, fail)

    @mutation(atomic=False)
    def stamp_loose(self, label: str, fail: bool = False) -> int | None:
        """The same, without the method's own transaction."""
        return self._stamp(label, fail)

    @mutation
    def remind(
        self, after: datetime.timedelta = datetime.timedelta(days=1), mood: Mood = Mood.CALM, times: int = 3
    ) -> str:
        """Arguments with Python defaults that GraphQL cannot spell (timedelta, enum) and one it can."""
        return f"{after}|{mood}|{times}"

    @mutation
    def touch(self) -> None:
        """Returns nothing."""

    def _stamp(self, label: str, fail: bool) -> int | None:
        self.label = label
        self.save(update_fields=["label"])
        if label == "explode":
            raise RuntimeError("secret internal detail")
        if fail:
            raise ValidationError({"label": ValidationError("Refused after saving.", code="refused")})
        return len(label)
