#!/usr/bin/env python3
"""Make sure the services the tests need are running; start them when they are not.

Usage: scripts/services.py postgres [redis]
Exits non-zero with one readable line when a service cannot be reached or started.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time

SERVICES = {
    "postgres": (
        int(os.environ.get("POSTGRES_PORT", 5432)),
        lambda: [
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
            for version in sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        ],
    ),
    "redis": (
        int(os.environ.get("REDIS_PORT", 6379)),
        lambda: [
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                os.environ.get("REDIS_PORT", "6379"),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        ],
    ),
}


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def ensure(name: str) -> None:
    port, commands = SERVICES[name]
    if is_listening(port):
        return
    for command in commands():
        if shutil.which(command[0]):
            print(f"Starting {name}: {' '.join(command)}", file=sys.stderr)
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if is_listening(port):
            return
        time.sleep(0.2)
    sys.exit(f"error: {name} is not listening on 127.0.0.1:{port} and could not be started.")


if __name__ == "__main__":
    for service in sys.argv[1:]:
        if service not in SERVICES:
            sys.exit(f"error: unknown service {service!r} (known: {', '.join(SERVICES)})")
        ensure(service)
