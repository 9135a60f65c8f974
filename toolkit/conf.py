"""The toolkit's one settings object: ``settings.TOOLKIT`` merged over documented defaults.

Read at call time and cached until Django's ``setting_changed`` signal says ``TOOLKIT`` changed,
so ``override_settings(TOOLKIT=...)`` works in tests without restarting anything.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, Literal, TypedDict

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


class ToolkitSettings(TypedDict, total=False):
    #: Apps whose models are exposed: ``"demo"`` exposes every model of the app,
    #: ``"auth.Group"`` a single model. Nothing else is exposed (deny by default).
    APPS: list[str]
    #: Per-model options keyed by ``"app_label.ModelName"``; the same keys as a model's
    #: ``class GraphQLMeta`` (lower-case attributes), which these override. See ``toolkit.options``.
    MODELS: dict[str, dict[str, Any]]
    #: ``"camel"`` (``booksPage``, ``inStock``) or ``"snake"`` (``books_page``, ``in_stock``).
    NAME_CASE: Literal["camel", "snake"]
    #: Rows returned by a list, page or connection when the client gives no size.
    DEFAULT_LIMIT: int
    #: The largest ``limit``/``pageSize``/``first``/``last`` a client may ask for.
    MAX_LIMIT: int
    #: Field-name fragments that mark a field as sensitive (hidden unless allowed per model).
    SENSITIVE_FIELD_PATTERNS: list[str]
    #: Extra exact field names treated as sensitive, on top of the patterns.
    SENSITIVE_FIELD_NAMES: list[str]
    #: Serve GraphiQL to browsers on ``/graphql/``; ``None`` follows ``DEBUG``.
    GRAPHIQL: bool | None
    #: Generate create/update/delete, nested, bulk and method mutations for writable models.
    MUTATIONS: bool
    #: The most items one bulk mutation may carry (``bulkCreateBooks(inputs: [...])``).
    BULK_MAX_ITEMS: int
    #: Rows written per statement by bulk mutations that can use ``bulk_create``/``bulk_update``.
    BULK_BATCH_SIZE: int
    #: Plan ``select_related``/``prefetch_related`` from the selection (one query per relation level).
    OPTIMIZER: bool
    #: Cache results of read operations: ``{"enabled": bool, "timeout": seconds}`` (toolkit.caching).
    RESULT_CACHE: dict[str, Any]
    #: Wall-clock budget of one operation in seconds (``TIMEOUT`` error past it); 0 turns it off.
    OPERATION_TIMEOUT: float
    #: PostgreSQL ``statement_timeout`` for the statements of an operation, in ms; 0 turns it off.
    STATEMENT_TIMEOUT_MS: int
    #: In DEBUG, include the SQL text in ``extensions.debug`` (counts and times are always there).
    DEBUG_SQL: bool
    #: Keep the values of ``@computed(cache=...)`` fields in Django's cache (toolkit.computation).
    COMPUTED_FIELD_CACHE: bool
    #: Parsed and validated documents kept per process (toolkit.documents); 0 turns the cache off.
    DOCUMENT_CACHE_SIZE: int
    #: In DEBUG, log a warning naming the resolvers when an operation runs more SQL statements.
    DEBUG_QUERY_WARNING: int
    #: A request header (``X-Debug: 1``) with which a staff user gets ``extensions.debug`` when
    #: ``DEBUG`` is off (production); anyone else sending it gets nothing extra. ``""`` turns it off.
    DEBUG_HEADER: str
    #: Per-environment defaults of the feature flags (``toolkit.flags``), overridden at runtime by
    #: ``FeatureFlag`` rows: ``{"bulk_mutations": False, "uploads:demo.Book": False}``.
    FEATURE_FLAGS: dict[str, bool]
    # -- security (docs/security.md) -----------------------------------------------------------
    #: Who may read an exposed model that sets no ``read_policy``: ``"public"``,
    #: ``"authenticated"``, ``"staff"``, ``"superuser"``, ``"view"`` (its view permission).
    DEFAULT_READ_POLICY: str
    #: Field names never writable through generated inputs, whatever the model (the user
    #: model's ``is_active``, ``last_login`` and ``date_joined`` are protected as well).
    MASS_ASSIGNMENT_PROTECTED: list[str]
    #: Answer introspection queries (``__schema``, ``__type``); ``__typename`` always works.
    INTROSPECTION: bool
    #: Leave "Did you mean ...?" suggestions out of errors; ``None`` hides them when introspection is off.
    HIDE_SUGGESTIONS: bool | None
    #: Failed logins allowed per window: ``{"per_username": 5, "per_ip": 20, "window_seconds": 300}``.
    LOGIN_RATE_LIMIT: dict[str, int]
    #: Addresses of reverse proxies whose ``X-Forwarded-For`` header is trusted.
    TRUSTED_PROXIES: list[str]
    #: Offer ``tokenAuth``/``refreshToken``/``revokeToken`` and ``me``.
    AUTH_MUTATIONS: bool
    #: Headers of which a multipart (file upload) request must carry one, with any non-empty value,
    #: unless it has an ``Authorization`` header: a cross-site form cannot add them, so the browser
    #: must ask first (CORS preflight). Others are refused with ``CSRF_PREVENTED`` (docs/uploads.md).
    CSRF_PREVENTION_HEADERS: list[str]
    #: Limits every document is checked against before execution (docs/security.md, "Query
    #: limits"); keys given here override the defaults one by one, ``None`` switches one off:
    #: ``max_depth`` (nested selection levels, as GraphQL Armor counts them),
    #: ``max_introspection_depth`` (``None``: ``max_depth`` applies to ``__schema``/``__type`` too),
    #: ``max_cost`` (fields, multiplied by list sizes), ``max_aliases``, ``max_directives``,
    #: ``max_tokens``, ``max_document_bytes``, ``max_batch`` (operations per batched request, 0
    #: refuses batches), ``default_list_cost`` (rows assumed for a list inside a list without a
    #: size) and ``max_page_size`` (``None``: ``MAX_LIMIT``).
    QUERY_LIMITS: dict[str, int | None]
    #: Per-role overrides of ``QUERY_LIMITS``, keyed by ``"anonymous"``, ``"authenticated"``, a
    #: permission (``"demo.view_book"``), ``"staff"`` or ``"superuser"``; every entry that applies
    #: is merged in that order (a later one wins): ``{"staff": {"max_depth": 10}}``.
    QUERY_LIMITS_BY_ROLE: dict[str, dict[str, int | None]]
    #: Named roles for ``manage.py graphql export --role NAME`` (the schema a role can see):
    #: ``{"name": {"authenticated": bool, "staff": bool, "superuser": bool,
    #: "permissions": ["app_label.codename", ...]}}``; see ``toolkit.security.roles``.
    ROLES: dict[str, dict[str, Any]]
    # -- rate limiting and audit log (docs/security.md) ---------------------------------------
    #: Requests and query cost per window, per scope: ``"anonymous"`` (per client IP),
    #: ``"authenticated"`` (per user), ``"ip"`` (per client IP, every caller). Each scope is
    #: ``{"requests": int | None, "cost": int | None, "window_seconds": int}`` merged over its
    #: default, or ``None`` to turn it off; ``RATE_LIMITS = None`` turns request limits off.
    RATE_LIMITS: dict[str, dict[str, int | None] | None] | None
    #: The Django cache alias holding the rate-limit counters (Redis when ``REDIS_URL`` is set).
    RATE_LIMIT_CACHE: str
    #: Store audit events as ``toolkit.models.AuditEvent`` rows (the ``toolkit.audit`` log lines
    #: are always written).
    AUDIT_TABLE: bool
    #: Days an ``AuditEvent`` row is kept by ``toolkit.security.audit.prune()``; ``None`` keeps all.
    AUDIT_RETENTION_DAYS: int | None
    #: The request-id header (toolkit.observability.middleware): read (cleaned, at most 64
    #: characters; generated when absent), returned in the response, stored in audit events and log
    #: lines and copied into RQ jobs. ``""``: always generated and returned as ``X-Request-ID``.
    AUDIT_REQUEST_ID_HEADER: str
    # -- schema lifecycle and health (docs/operations.md) ------------------------------------
    #: Where ``manage.py graphql snapshot`` writes the sorted SDL (relative to ``BASE_DIR``);
    #: ``graphql check`` compares the live schema with it.
    SCHEMA_SNAPSHOT_FILE: str
    #: Seconds between two looks at the schema generation in Django's cache (bumped by
    #: ``graphql regenerate``); ``0`` looks on every ``get_schema()`` call.
    SCHEMA_GENERATION_CHECK_SECONDS: float
    #: Dotted paths to ``toolkit.extensions.SchemaExtension`` subclasses that add root fields,
    #: types, ``FileInfo`` fields and file writing to the generated schema (the media pipeline's
    #: ``media_pipeline.schema.MediaSchemaExtension``); the toolkit imports nothing else by name.
    SCHEMA_EXTENSIONS: list[str]
    #: Health check lists per endpoint: ``{"live": [...], "ready": [...]}``. Each entry is a
    #: dotted path to a django-health-check ``HealthCheck`` class, or ``[path, {kwargs}]``.
    HEALTH_CHECKS: dict[str, list[Any]]
    #: Where ``run_health_checks`` sends an alert when the state changes: dotted paths to
    #: ``toolkit.health.notifiers.Notifier`` classes, or ``[path, {kwargs}]``.
    HEALTH_NOTIFIERS: list[Any]
    #: Days a ``HealthCheckRun`` row is kept; older rows are pruned by ``run_health_checks``.
    HEALTH_RUN_RETENTION_DAYS: int
    #: The ClamAV daemon that scans uploads (and the health check pings): ``tcp://host:port`` or
    #: ``unix:///path``; ``""`` means not configured: uploads are scanned by the built-in test
    #: scanner (EICAR only, ``scanner = "builtin-test"``), which ``settings.prod`` refuses.
    CLAMD_URL: str
    # -- media pipeline (docs/media.md) --------------------------------------------------------
    #: Uploads, scanning, thumbnails, storage and URLs, merged key by key over the defaults
    #: (read with ``media_pipeline.conf.media_config()``): ``MAX_FILE_SIZE``, ``MAX_FILES``,
    #: ``MAX_TOTAL_SIZE`` (bytes / files per request), ``ALLOWED_TYPES`` (MIME types decided from
    #: the content, ``"default_file"``, ``"default_image"`` and ``"app_label.Model.field"`` keys),
    #: ``MAX_FILENAME_LENGTH``, ``MAX_IMAGE_PIXELS`` (decompression-bomb limit),
    #: ``THUMBNAIL_SIZES`` (``{"name": [width, height]}``), ``THUMBNAIL_FORMAT``,
    #: ``THUMBNAIL_QUALITY``, ``SCAN_TIMEOUT`` (seconds per clamd socket operation),
    #: ``SCAN_RETRY_INTERVALS`` (backoff seconds between scan retries), ``JOB_TIMEOUT``,
    #: ``JOB_RETRY_INTERVALS`` (thumbnail and invalidate jobs), ``REQUEUE_PENDING_AFTER`` (seconds
    #: before the scheduler queues a stuck scan again), ``QUARANTINE_STORAGE`` (a
    #: ``STORAGES`` alias), ``URL_BUILDER`` and ``PURGE_BACKEND`` (dotted paths), ``CDN_URL``,
    #: ``SIGNED_URLS`` (``{"enabled": bool, "expires": seconds}``). docs/configuration.md has them all.
    MEDIA: dict[str, Any]
    # -- admin dashboard and metrics (docs/dashboard.md) ---------------------------------------
    #: The dashboard in the Django admin, merged key by key over its defaults (``METRICS`` and
    #: ``THRESHOLDS`` too; read with ``dashboard.conf.dashboard_config()``): ``PANELS`` (dotted
    #: paths to ``dashboard.panels.Panel`` classes in page order, the first is the overview),
    #: ``REFRESH_SECONDS`` (overview auto-refresh, 0 off), ``STATUS_TOKEN`` (bearer token of the
    #: JSON status endpoint, ``""``: staff sessions only), ``METRICS_TOKEN`` (the same for
    #: ``/metrics``), ``METRICS`` (``enabled``, ``backend`` ``"auto"``/``"redis"``/``"database"``,
    #: ``redis_url`` (``""``: ``settings.REDIS_URL``), ``max_operation_names``,
    #: ``retention_days``, ``flush_seconds`` (``None``: 0 with Redis, 10 with the database),
    #: ``slowest_kept``, ``key_prefix``) and ``THRESHOLDS`` (``[warning, error]`` levels of the
    #: overview figures). docs/configuration.md has them all.
    DASHBOARD: dict[str, Any]


DEFAULTS: ToolkitSettings = {
    "APPS": [],
    "MODELS": {},
    "NAME_CASE": "camel",
    "DEFAULT_LIMIT": 100,
    "MAX_LIMIT": 1000,
    "SENSITIVE_FIELD_PATTERNS": ["password", "token", "secret", "key", "hash"],
    "SENSITIVE_FIELD_NAMES": [],
    "GRAPHIQL": None,
    "MUTATIONS": True,
    "BULK_MAX_ITEMS": 500,
    "BULK_BATCH_SIZE": 100,
    "OPTIMIZER": True,
    "RESULT_CACHE": {"enabled": False, "timeout": 300},
    "OPERATION_TIMEOUT": 10.0,
    "STATEMENT_TIMEOUT_MS": 5000,
    "DEBUG_SQL": False,
    "COMPUTED_FIELD_CACHE": True,
    "DOCUMENT_CACHE_SIZE": 500,
    "DEBUG_QUERY_WARNING": 50,
    "DEBUG_HEADER": "X-Debug",
    "FEATURE_FLAGS": {},
    # security
    "DEFAULT_READ_POLICY": "public",
    "MASS_ASSIGNMENT_PROTECTED": ["is_staff", "is_superuser", "password", "groups", "user_permissions"],
    "INTROSPECTION": True,
    "HIDE_SUGGESTIONS": None,
    "LOGIN_RATE_LIMIT": {"per_username": 5, "per_ip": 20, "window_seconds": 300},
    "TRUSTED_PROXIES": [],
    "AUTH_MUTATIONS": True,
    "CSRF_PREVENTION_HEADERS": ["Apollo-Require-Preflight", "X-Apollo-Operation-Name", "GraphQL-Preflight"],
    "QUERY_LIMITS": {
        "max_depth": 6,
        "max_introspection_depth": 15,
        "max_cost": 5000,
        "max_aliases": 15,
        "max_directives": 50,
        "max_tokens": 1000,
        "max_document_bytes": 20_000,
        "max_batch": 10,
        "default_list_cost": 5,
        "max_page_size": None,
    },
    "QUERY_LIMITS_BY_ROLE": {},
    "ROLES": {
        "anonymous": {},
        "member": {"authenticated": True},
        "staff": {"staff": True},
        "superuser": {"superuser": True},
    },
    # rate limiting and audit log
    "RATE_LIMITS": {
        "anonymous": {"requests": 6000, "cost": 10_000_000, "window_seconds": 60},
        "authenticated": {"requests": 6000, "cost": 10_000_000, "window_seconds": 60},
        "ip": {"requests": 20_000, "cost": 30_000_000, "window_seconds": 60},
    },
    "RATE_LIMIT_CACHE": "default",
    "AUDIT_TABLE": True,
    "AUDIT_RETENTION_DAYS": 180,
    "AUDIT_REQUEST_ID_HEADER": "X-Request-ID",
    # schema lifecycle and health
    "SCHEMA_SNAPSHOT_FILE": "docs/schema/schema.graphql",
    "SCHEMA_GENERATION_CHECK_SECONDS": 1.0,
    "SCHEMA_EXTENSIONS": [],
    "HEALTH_CHECKS": {
        "live": ["health_check.checks.Database"],
        "ready": [
            "health_check.checks.Database",
            "health_check.checks.Cache",
            "health_check.checks.Storage",
            "toolkit.health.checks.Migrations",
            "toolkit.health.checks.SchemaSnapshot",
        ],
    },
    "HEALTH_NOTIFIERS": ["toolkit.health.notifiers.LoggingNotifier"],
    "HEALTH_RUN_RETENTION_DAYS": 30,
    "CLAMD_URL": "",
    # media pipeline
    "MEDIA": {
        "MAX_FILE_SIZE": 10 * 1024 * 1024,
        "MAX_FILES": 10,
        "MAX_TOTAL_SIZE": 50 * 1024 * 1024,
        "ALLOWED_TYPES": {
            "default_image": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "default_file": [
                "application/pdf",
                "text/plain",
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/webp",
            ],
        },
        "MAX_FILENAME_LENGTH": 100,
        "MAX_IMAGE_PIXELS": 40_000_000,
        "THUMBNAIL_SIZES": {"small": [160, 160], "medium": [480, 480], "large": [1200, 1200]},
        "THUMBNAIL_FORMAT": "WEBP",
        "THUMBNAIL_QUALITY": 80,
        "SCAN_TIMEOUT": 30.0,
        "SCAN_RETRY_INTERVALS": [10, 60, 300, 1800],
        "JOB_TIMEOUT": 300,
        "JOB_RETRY_INTERVALS": [10, 60, 300],
        "REQUEUE_PENDING_AFTER": 3600,
        "QUARANTINE_STORAGE": "quarantine",
        "URL_BUILDER": "media_pipeline.urls.MediaURLBuilder",
        "CDN_URL": "",
        "SIGNED_URLS": {"enabled": False, "expires": 3600},
        "PURGE_BACKEND": "media_pipeline.purge.NoopPurge",
    },
    # admin dashboard and metrics
    "DASHBOARD": {
        "PANELS": [
            "dashboard.panels.overview.OverviewPanel",
            "dashboard.panels.health.HealthPanel",
            "dashboard.panels.operations.OperationsPanel",
            "dashboard.panels.queues.QueuesPanel",
            "dashboard.panels.security.SecurityPanel",
            "dashboard.panels.schema.SchemaPanel",
        ],
        "REFRESH_SECONDS": 30,
        "STATUS_TOKEN": "",
        "METRICS_TOKEN": "",
        "METRICS": {
            "enabled": True,
            "backend": "auto",
            "redis_url": "",
            "max_operation_names": 100,
            "retention_days": 8,
            "flush_seconds": None,
            "slowest_kept": 20,
            "key_prefix": "toolkit:metrics",
        },
        "THRESHOLDS": {
            "error_rate": [0.01, 0.05],
            "p95_ms": [500, 2000],
            "queue_backlog": [100, 1000],
            "failed_jobs": [1, 10],
        },
    },
}


@lru_cache(maxsize=1)
def get_config() -> ToolkitSettings:
    """Return ``settings.TOOLKIT`` merged over :data:`DEFAULTS` (cached until it changes)."""
    user = getattr(settings, "TOOLKIT", None) or {}
    merged: dict[str, Any] = {**DEFAULTS, **user}
    return merged  # type: ignore[return-value]


@lru_cache(maxsize=1)
def config_fingerprint() -> str:
    """A stable hash of the configuration; the schema cache is keyed by it."""
    payload = json.dumps(get_config(), sort_keys=True, default=repr)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def reset() -> None:
    get_config.cache_clear()
    config_fingerprint.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"TOOLKIT", "INSTALLED_APPS", "DEBUG"}:
        reset()
        from toolkit.schema import clear_schema_cache

        clear_schema_cache()
