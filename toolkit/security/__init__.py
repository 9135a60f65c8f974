"""Security: who the caller is (JWT or session), what they may read and write, and the limits.

``context`` (the current user), ``policies`` (read policies, scoping, field visibility),
``tokens`` and ``auth_schema`` (JWT), ``limits`` (query limits), ``ratelimit``, ``audit``.
"""
