"""200 models with the field mix of a real app: text, numbers, choices, dates, JSON, links.

Model ``N`` has a foreign key to ``N-1`` and every tenth one a many-to-many to ``N-7``, so the
schema has relations, reverse relations and to-many filters to generate.
"""

from django.db import models

MODEL_COUNT = 200
STATUS = [("new", "New"), ("active", "Active"), ("closed", "Closed")]


def _model(index: int) -> type[models.Model]:
    attrs = {
        "__module__": __name__,
        "name": models.CharField(max_length=100),
        "code": models.SlugField(unique=True),
        "status": models.CharField(max_length=10, choices=STATUS, default="new"),
        "amount": models.DecimalField(max_digits=10, decimal_places=2, default=0),
        "count": models.IntegerField(default=0),
        "ratio": models.FloatField(null=True),
        "active": models.BooleanField(default=True),
        "day": models.DateField(null=True),
        "created": models.DateTimeField(auto_now_add=True),
        "data": models.JSONField(default=dict),
        "Meta": type("Meta", (), {"app_label": "synthetic"}),
    }
    if index > 0:
        attrs["parent"] = models.ForeignKey(
            f"synthetic.Entity{index - 1}", models.CASCADE, null=True, related_name="children"
        )
    if index % 10 == 9:
        attrs["links"] = models.ManyToManyField(f"synthetic.Entity{index - 7}", related_name="linked_from")
    return type(f"Entity{index}", (models.Model,), attrs)


for _index in range(MODEL_COUNT):
    globals()[f"Entity{_index}"] = _model(_index)
