"""``<Model>Where`` inputs and their compilation into Django ``Q`` objects."""
