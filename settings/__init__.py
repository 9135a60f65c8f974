"""Project settings package: ``base`` plus one module per environment (dev, test, prod)."""
