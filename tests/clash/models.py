from django.db import models


class Book(models.Model):
    """Same name as demo.Book: exposing both apps prefixes the type names with the app label."""

    name = models.CharField(max_length=50)


class Gadget(models.Model):
    """Its options are set by GraphQLMeta, so tests can check settings override them."""

    label = models.CharField(max_length=50)
    serial_key = models.CharField(max_length=50)
    weight = models.IntegerField(default=0)

    class GraphQLMeta:
        exclude = ["weight"]
        name = "Widget"
