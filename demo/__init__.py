"""Demo app: a realistic publishing catalogue used by the README, the tests and the benchmarks."""
