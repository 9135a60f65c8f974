#!/usr/bin/env python3
"""The container's HEALTHCHECK: GET /health/live/ on the local gunicorn, exit 0 when it answers 200.

The request carries a Host header the site accepts (the first of ALLOWED_HOSTS, ``localhost``
when it is ``*`` or unset) and the port gunicorn binds (PORT, default 8000). Standard library
only, 4-second timeout.
"""

from __future__ import annotations

import http.client
import os
import sys


def host_header() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip()
    if not first or first == "*":
        return "localhost"
    return "www" + first if first.startswith(".") else first


def main() -> int:
    port = int(os.environ.get("PORT") or 8000)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request(
            "GET", "/health/live/", headers={"Host": host_header(), "Accept": "application/json"}
        )
        status = connection.getresponse().status
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: /health/live/ answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
