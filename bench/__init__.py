"""Benchmarks: generated GraphQL operations against hand-written Django baselines (``make bench``)."""
