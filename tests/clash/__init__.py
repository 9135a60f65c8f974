"""A test-only app whose model names clash with the demo's (Book, Tag)."""
