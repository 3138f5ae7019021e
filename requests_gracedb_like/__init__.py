"""A composable, credential-safe :class:`requests.Session` for GraceDB and
other token-protected science REST APIs.

:class:`Session` is :class:`requests.Session` with independent mixins
stacked on top (composed in :mod:`requests_gracedb_like.session`); each
mixin also works alone on a plain session. This module only re-exports:
see ``docs/architecture.rst`` for where everything lives.
"""

from __future__ import annotations

import logging

from ._version import __version__
from .adapters import SessionAdapterMixin
from .api import delete, get, head, options, patch, post, put, request
from .auth import SessionAuthMixin
from .base_url import SessionBaseURLMixin
from .clone import SessionCloneMixin
from .closing import SessionCloseMixin
from .environment import SessionEnvironmentMixin
from .errors import SessionErrorMixin
from .fanout import SessionMapMixin
from .file import SessionFileMixin
from .session import Session
from .timeout import SessionTimeoutMixin
from .transport import SessionTransportMixin
from .user_agent import SessionUserAgentMixin

__all__ = [
    "Session",
    "SessionAdapterMixin",
    "SessionAuthMixin",
    "SessionBaseURLMixin",
    "SessionCloneMixin",
    "SessionCloseMixin",
    "SessionEnvironmentMixin",
    "SessionErrorMixin",
    "SessionFileMixin",
    "SessionMapMixin",
    "SessionTimeoutMixin",
    "SessionTransportMixin",
    "SessionUserAgentMixin",
    "__version__",
    "delete",
    "get",
    "head",
    "options",
    "patch",
    "post",
    "put",
    "request",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
