"""The load script's own rules, without a stack (runs in both passes)."""

from __future__ import annotations

import re

import pytest

from bench import load


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://10.0.0.1:8000", "https://127.0.0.1:8000", "http://example.com"]
)
def test_refuses_any_host_but_127_0_0_1(url: str) -> None:
    with pytest.raises(load.LoadError, match=re.escape("only http://127.0.0.1:<port> is allowed")):
        load.check_url(url)


def test_main__one_readable_error_and_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert load.main(["--url", "http://example.com:80", "--duration", "1"]) == 2
    assert capsys.readouterr().err.startswith("error: refusing to send load to 'http://example.com:80'")


def test_main__the_load_is_bounded() -> None:
    with pytest.raises(SystemExit):
        load.main(["--url", "http://127.0.0.1:8000", "--clients", "500"])


def test_percentiles_and_failure_rules() -> None:
    assert load.percentiles([float(n) for n in range(1, 101)]) == {"p50": 50.0, "p95": 95.0, "p99": 99.0}
    assert load.percentiles([]) == {"p50": None, "p95": None, "p99": None}
    results = load.Results(clients=1, duration=1)
    results.statuses[429] += 3  # the rate limiter doing its job is not a failure
    assert not results.failed
    results.statuses[502] += 1
    assert results.failed and results.server_errors == 1
    results = load.Results(clients=1, duration=1)
    results.lost.append("reviews 7: expected 'a', found None")
    assert results.failed and "lost 1" in load.report(results)
