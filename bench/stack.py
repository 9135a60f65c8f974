"""The whole production stack on 127.0.0.1, for the end-to-end tests and the load script.

``Stack`` starts what the Procfile and compose.yaml run, from the same commands:

- a PostgreSQL database of its own (``toolkit_e2e_<pid>``) on an existing server, migrated with
  ``manage.py migrate`` and seeded with ``manage.py demo_seed``; dropped at the end;
- a ``redis-server`` of its own on a free port, without persistence (``restart_redis()`` stops
  and starts it again on the same port, losing everything it held);
- the Procfile's ``worker`` and ``web`` commands (gunicorn with ``settings.gunicorn``) with
  ``DJANGO_SETTINGS_MODULE=settings.prod``, a real ``SECRET_KEY``, ``CLAMD_URL`` pointing at a
  running clamd (``scripts/services.py clamd``), media, quarantine and collected static files in a
  temporary directory;
- a plain static file server in front of ``MEDIA_ROOT`` standing in for the CDN
  (``MEDIA_CDN_URL``), so thumbnail URLs can be fetched over HTTP as clients would.

Every process is started in a session of its own and stopped by its process group (SIGTERM,
then SIGKILL), whatever happened; ``stop()`` is safe to call twice. Readiness is polled
(``/health/live/``, then ``/health/ready/``), never waited for with fixed sleeps.

    with Stack(load_users=16) as stack:
        print(stack.url, stack.password)

Users created (one password, ``stack.password``): ``e2e-admin`` (staff, ``dashboard.view_dashboard``
and the demo's model permissions) and ``load-01`` ... (the demo's add/change/view permissions).
Nothing here imports Django: the processes do.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
#: The PostgreSQL server the stack's database is created on (its database name is ignored).
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_CLAMD_URL = "tcp://127.0.0.1:3310"
ADMIN_USER = "e2e-admin"

#: Run by ``manage.py shell`` once migrated: the users and their permissions.
CREATE_USERS = """
import os
from django.contrib.auth.models import Permission, User
password = os.environ["STACK_USER_PASSWORD"]
demo = Permission.objects.filter(content_type__app_label="demo")
admin, _ = User.objects.get_or_create(username="e2e-admin", defaults={"email": "e2e-admin@example.com"})
admin.is_staff = True
admin.set_password(password)
admin.save()
admin.user_permissions.set(
    demo | Permission.objects.filter(content_type__app_label__in=["dashboard", "media_pipeline"])
)
writes = demo.filter(codename__regex=r"^(add|change|view)_")
for number in range(1, int(os.environ["STACK_LOAD_USERS"]) + 1):
    user, _ = User.objects.get_or_create(username=f"load-{number:02d}")
    user.set_password(password)
    user.save()
    user.user_permissions.set(writes)
"""


class StackError(RuntimeError):
    """A part of the stack did not start; the message names it and its log file."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile() -> dict[str, list[str]]:
    """The Procfile's commands, split into arguments."""
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.startswith("#"):
            entries[name.strip()] = shlex.split(command)
    return entries


def _alive(process: subprocess.Popen | None) -> bool:
    return process is not None and process.poll() is None


def stop_group(process: subprocess.Popen | None, timeout: float = 20) -> None:
    """Stop a process this module started, with its process group (SIGTERM, then SIGKILL)."""
    if process is None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Children left behind in the group (gunicorn workers, rq work horses) go too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


class Stack:
    """The production processes on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        postgres_url: str | None = None,
        clamd_url: str | None = None,
        seed_size: str = "small",
        load_users: int = 16,
        web_concurrency: int | None = 2,
        threads: int | None = None,
        workdir: Path | None = None,
        log_level: str = "WARNING",
    ) -> None:
        self.postgres_url = postgres_url or os.environ.get("STACK_POSTGRES_URL") or DEFAULT_POSTGRES_URL
        self.clamd_url = clamd_url or os.environ.get("CLAMD_URL") or DEFAULT_CLAMD_URL
        self.seed_size = seed_size
        self.load_users = load_users
        self.web_concurrency = web_concurrency
        self.threads = threads
        self.log_level = log_level
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="toolkit-stack-"))
        self.database = f"toolkit_e2e_{os.getpid()}_{secrets.token_hex(3)}"
        self._secret_key = secrets.token_urlsafe(64)
        self.password = secrets.token_urlsafe(18)
        self.status_token = secrets.token_urlsafe(24)
        self.redis_port = free_port()
        self.web_port = free_port()
        self.media_port = free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.media_server: subprocess.Popen | None = None
        self._database_created = False
        self._logs: list[Any] = []

    # -- paths and environment -------------------------------------------------------------------
    @property
    def media_root(self) -> Path:
        return self.workdir / "media"

    @property
    def quarantine_root(self) -> Path:
        return self.workdir / "quarantine"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def database_url(self) -> str:
        parts = urlsplit(self.postgres_url)
        return urlunsplit((parts.scheme, parts.netloc, f"/{self.database}", parts.query, ""))

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every process: the production settings, nothing inherited but PATH."""
        venv_bin = str(Path(sys.executable).parent)
        env = {
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "settings.prod",
            "SECRET_KEY": self._secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CLAMD_URL": self.clamd_url,
            "MEDIA_ROOT": str(self.media_root),
            "QUARANTINE_ROOT": str(self.quarantine_root),
            "STATIC_ROOT": str(self.workdir / "static"),
            "MEDIA_CDN_URL": f"http://127.0.0.1:{self.media_port}",
            "DASHBOARD_STATUS_TOKEN": self.status_token,
            "HOST": "127.0.0.1",
            "PORT": str(self.web_port),
            "LOG_LEVEL": self.log_level,
        }
        if self.web_concurrency:
            env["WEB_CONCURRENCY"] = str(self.web_concurrency)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        return {**env, **extra}

    # -- helpers ---------------------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
        """``python manage.py <args>`` against the stack's database and Redis; raises on failure."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env(**env), capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise StackError(
                f"manage.py {' '.join(args)} failed: {(result.stderr or result.stdout).strip()[-2000:]}"
            )
        return result

    def _spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = self.log(name).open("ab")
        self._logs.append(log)
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def _wait(self, what: str, condition: Any, process: subprocess.Popen | None, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if process is not None and process.poll() is not None:
                raise StackError(f"{what} exited with code {process.returncode}; see {self.log(what)}")
            if time.monotonic() > deadline:
                raise StackError(f"{what} was not ready after {timeout:.0f} s; see {self.log(what)}")
            time.sleep(0.05)

    def _admin_connection(self) -> Any:
        import psycopg

        parts = urlsplit(self.postgres_url)
        admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        return psycopg.connect(admin_url, autocommit=True)

    def sql(self, query: str, params: Any = None) -> list[tuple]:
        """Rows of ``query`` run on the stack's database (a short connection of its own)."""
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def get(self, path: str, timeout: float = 5) -> int:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    # -- the parts -------------------------------------------------------------------------------
    def start_redis(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise StackError("redis-server is not installed (apt-get install redis-server)")
        self.redis = self._spawn(
            "redis",
            [binary, "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
        )  # fmt: skip

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    return sock.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        self._wait("redis", answers, self.redis, 20)

    def stop_redis(self) -> None:
        stop_group(self.redis)
        self.redis = None

    def restart_redis(self) -> None:
        """Stop Redis and start it again on the same port: every key it held is gone."""
        self.stop_redis()
        self.start_redis()

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", procfile()["worker"])

    def stop_worker(self) -> None:
        stop_group(self.worker)
        self.worker = None

    def start_web(self) -> None:
        self.web = self._spawn("web", procfile()["web"])

    def start_media_server(self) -> None:
        self.media_root.mkdir(parents=True, exist_ok=True)
        self.media_server = self._spawn(
            "media",
            [sys.executable, "-m", "http.server", str(self.media_port), "--bind", "127.0.0.1",
             "--directory", str(self.media_root)],
        )  # fmt: skip

    def wait_ready(self, timeout: float = 90) -> None:
        """``/health/live/`` answers 200, then ``/health/ready/`` (database, Redis, worker, clamd ...)."""
        self._wait("web", lambda: self.get("/health/live/") == 200, self.web, timeout)
        self._wait("worker", lambda: self.get("/health/ready/") == 200, self.worker, timeout)

    # -- the whole stack -------------------------------------------------------------------------
    def start(self) -> Stack:
        static: subprocess.Popen | None = None
        try:
            for path in (self.media_root, self.quarantine_root):
                path.mkdir(parents=True, exist_ok=True)
            with self._admin_connection() as connection:
                connection.execute(f'CREATE DATABASE "{self.database}"')
            self._database_created = True
            self.start_redis()
            static = subprocess.Popen(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=ROOT, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            self.manage("migrate", "--noinput", "-v", "0")
            # Seeded without Redis: the seed's jobs (scans of its covers by clamd, thumbnails, cache
            # invalidations) run in this process, so the worker starts with empty queues.
            self.manage("demo_seed", "--size", self.seed_size, "--no-progress", REDIS_URL="")
            self.manage(
                "shell", "-c", CREATE_USERS, REDIS_URL="",
                STACK_USER_PASSWORD=self.password, STACK_LOAD_USERS=str(self.load_users),
            )  # fmt: skip
            _, errors = static.communicate(timeout=300)
            if static.returncode != 0:
                raise StackError(f"collectstatic failed: {errors.strip()[-2000:]}")
            self.start_media_server()
            self.start_worker()
            self.start_web()
            self.wait_ready()
        except BaseException:
            if static is not None and static.poll() is None:
                static.kill()
                static.wait()
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process (web first, the worker, then Redis) and drop the database."""
        for name in ("web", "worker", "media_server", "redis"):
            stop_group(getattr(self, name))
            setattr(self, name, None)
        for log in self._logs:
            log.close()
        self._logs = []
        if self._database_created:
            with self._admin_connection() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._database_created = False
        if self._own_workdir and not os.environ.get("STACK_KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def tail(self, name: str, lines: int = 40) -> str:
        """The end of a process's log (for failure messages)."""
        try:
            return "\n".join(self.log(name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
