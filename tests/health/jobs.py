"""Jobs the real RQ worker runs in the health tests (importable by the worker process)."""


def succeed() -> str:
    return "done"


def fail() -> None:
    raise RuntimeError("this job fails on purpose")
