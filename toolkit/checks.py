"""System checks for the toolkit configuration (ids ``toolkit.E001``... in docs/configuration.md).

The checks report exactly the problems the schema build would refuse, because both read the
same :func:`toolkit.registry.build_registry` result.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

from toolkit.registry import build_registry


def check_configuration(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for problem in build_registry().problems:
        level = checks.Warning if problem.warning else checks.Error
        messages.append(level(problem.msg, hint=problem.hint or None, obj=problem.obj, id=problem.id))
    return messages
