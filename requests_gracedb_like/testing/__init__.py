"""Test helpers for projects that embed :class:`requests_gracedb_like.Session`.

The fixtures are opt-in. Enable them with any one of:

* ``requests_gracedb_like = true`` in the project's pytest configuration
  (``[tool.pytest.ini_options]``, ``pytest.ini``...);
* ``--requests-gracedb-like`` or ``-p requests_gracedb_like.testing`` on the
  pytest command line;
* ``pytest_plugins = ["requests_gracedb_like.testing"]`` in a top-level
  ``conftest.py``.

The package registers a small pytest entry point that adds only that option;
nothing here is loaded, and no fixture is autouse, until then.

Fixtures
--------
``credential_env``
    Isolates the credential environment: ``HOME``, ``NETRC``,
    ``BEARER_TOKEN``, ``BEARER_TOKEN_FILE``, ``SCITOKEN``, ``SCITOKEN_FILE``,
    ``_CONDOR_CREDS``, ``XDG_RUNTIME_DIR``, ``X509_*``
    and the ``/tmp/bt_u<uid>`` and ``/tmp/x509up_u<uid>`` locations all
    point into an empty temporary directory, so the developer's own
    credentials never change a result.
    Returns a :class:`CredentialEnv`.
``make_token``
    A factory that writes a bearer-token file holding an unsigned JWT with
    the given claims and returns its path (see :func:`make_jwt`).
``service``
    A running :class:`FakeService`: a token-protected JSON service on
    127.0.0.1 that records the requests it saw. Tests using it open a
    loopback socket (with pytest-socket, enable sockets for them).
``oidc_provider``
    A running :class:`OIDCProvider`: an OpenID Connect provider in a child
    process on 127.0.0.1 (device, authorization-code + PKCE and refresh
    grants, refresh-token rotation, revocation), for testing ``login`` and
    automatic refresh. Needs authlib (the ``oidc`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .environment import CredentialEnv
    from .oidc_provider import OIDCProvider
    from .service import FakeService, RecordedRequest
    from .tokens import make_jwt, make_signed_jwt

__all__ = [
    "CredentialEnv",
    "FakeService",
    "OIDCProvider",
    "RecordedRequest",
    "make_jwt",
    "make_signed_jwt",
]

#: Loaded when this package is used as a pytest plugin (``-p``,
#: ``pytest_plugins`` or the ``requests_gracedb_like`` option): the
#: fixtures. Importing the package alone, as the pytest entry point does in
#: every project, registers nothing.
pytest_plugins = ["requests_gracedb_like.testing.fixtures"]

_HOMES = {
    "CredentialEnv": "environment",
    "FakeService": "service",
    "OIDCProvider": "oidc_provider",
    "RecordedRequest": "service",
    "make_jwt": "tokens",
    "make_signed_jwt": "tokens",
}


# Lazy: the pytest entry point imports this package in every test run
# of every project that has it installed.
__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
