#!/usr/bin/env python3
"""Make sure the services the tests need are running; start them when they are not.

Usage: scripts/services.py [--check | --stop] SERVICE...   (postgres, redis, clamd, chromium)

- default: start each service that is not listening (clamd: install Debian's clamav-daemon if
  missing, start it with the repository's signatures in scripts/clamd/ and a generated config
  under .run/clamd/, record its PID, wait until it answers PONG);
- ``chromium`` is not a server: the browser the dashboard's browser tests drive (Playwright with
  ``executable_path``); installed from Debian (``chromium``, ``chromium-driver``) when
  ``/usr/bin/chromium`` (or ``CHROMIUM_PATH``) is missing, never started here;
- ``--check``: exit 0 if every service is listening (chromium: installed), 1 otherwise (starts nothing);
- ``--stop``: stop a clamd this script started (by its recorded PID).

Environment: POSTGRES_PORT, REDIS_PORT, CLAMD_PORT (default 3310), CLAMD_RUN_DIR (default .run/clamd).
Exits non-zero with one readable line when a service cannot be reached or started.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAMD_SIGNATURES = ROOT / "scripts" / "clamd"


def clamd_port() -> int:
    return int(os.environ.get("CLAMD_PORT", 3310))


def clamd_run_dir() -> Path:
    return Path(os.environ.get("CLAMD_RUN_DIR", ROOT / ".run" / "clamd")).resolve()


SERVICES = {
    "postgres": (
        lambda: int(os.environ.get("POSTGRES_PORT", 5432)),
        lambda: [
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
            for version in sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
        ],
    ),
    "redis": (
        lambda: int(os.environ.get("REDIS_PORT", 6379)),
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
    "clamd": (clamd_port, lambda: []),  # started by start_clamd()
    "chromium": (lambda: 0, lambda: []),  # installed by install_chromium(), nothing listens
}


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def clamd_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"zPING\0")
            return sock.recv(16).rstrip(b"\0") == b"PONG"
    except OSError:
        return False


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd",) if os.path.exists(p)), None)


def install_clamd() -> str:
    binary = clamd_binary()
    if binary:
        return binary
    print("Installing clamav-daemon (Debian) ...", file=sys.stderr)
    install = ["apt-get", "install", "-y", "--no-install-recommends", "clamav-daemon"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "check": False}
    if subprocess.run(install, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], **quiet)
        subprocess.run(install, **quiet)
    binary = clamd_binary()
    if not binary:
        sys.exit("error: clamd is not installed and 'apt-get install clamav-daemon' failed.")
    return binary


def chromium_binary() -> str | None:
    """Debian's chromium (``CHROMIUM_PATH`` overrides where it is looked for)."""
    wanted = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return wanted if os.path.exists(wanted) else None


def install_chromium() -> str:
    """Install Debian's chromium and chromium-driver when missing (like clamav-daemon above)."""
    binary = chromium_binary()
    if binary:
        return binary
    print("Installing chromium (Debian) ...", file=sys.stderr)
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "check": False}
    if subprocess.run(install, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], **quiet)
        subprocess.run(install, **quiet)
    binary = chromium_binary()
    if not binary:
        sys.exit("error: chromium is not installed and 'apt-get install chromium chromium-driver' failed.")
    return binary


def start_clamd() -> None:
    port, run_dir = clamd_port(), clamd_run_dir()
    binary = install_clamd()
    run_dir.mkdir(parents=True, exist_ok=True)
    config = run_dir / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                f"DatabaseDirectory {CLAMD_SIGNATURES}",
                f"TCPSocket {port}",
                "TCPAddr 127.0.0.1",
                f"LocalSocket {run_dir / 'clamd.sock'}",
                f"PidFile {run_dir / 'clamd.pid'}",
                f"LogFile {run_dir / 'clamd.log'}",
                "Foreground yes",
                "StreamMaxLength 25M",
                "MaxThreads 4",
                "",
            ]
        )
    )
    print(f"Starting clamd on 127.0.0.1:{port} ({config})", file=sys.stderr)
    with open(run_dir / "clamd.out", "ab") as out:
        process = subprocess.Popen(
            [binary, "-c", str(config)],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (run_dir / "process.pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if clamd_answers(port):
            return
        if process.poll() is not None:
            sys.exit(f"error: clamd exited with code {process.returncode}; see {run_dir / 'clamd.log'}.")
        time.sleep(0.05)
    sys.exit(f"error: clamd did not answer PING on 127.0.0.1:{port}; see {run_dir / 'clamd.log'}.")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop_clamd() -> None:
    pid_file = clamd_run_dir() / "process.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def ensure(name: str) -> None:
    if name == "chromium":
        install_chromium()
        return
    port_of, commands = SERVICES[name]
    port = port_of()
    if is_listening(port):
        return
    if name == "clamd":
        start_clamd()
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


def is_up(service: str) -> bool:
    if service == "chromium":
        return chromium_binary() is not None
    return is_listening(SERVICES[service][0]())


def main(argv: list[str]) -> None:
    action = "start"
    if argv and argv[0] in ("--check", "--stop"):
        action, argv = argv[0][2:], argv[1:]
    for service in argv:
        if service not in SERVICES:
            sys.exit(f"error: unknown service {service!r} (known: {', '.join(SERVICES)})")
    if action == "check":
        sys.exit(0 if all(is_up(s) for s in argv) else 1)
    for service in argv:
        if action == "stop":
            if service != "clamd":
                sys.exit(f"error: --stop only stops a clamd started by this script, not {service}")
            stop_clamd()
        else:
            ensure(service)


if __name__ == "__main__":
    main(sys.argv[1:])
