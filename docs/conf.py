"""Sphinx configuration: builds offline, warnings are errors (-W -n)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import requests_gracedb_like

project = "requests_gracedb_like"
author = "The requests_gracedb_like developers"
copyright = "2026, The requests_gracedb_like developers"
release = requests_gracedb_like.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

# No intersphinx: the docs must build with no network. References to
# requests and the standard library are written as plain literals, and the
# classes below are known to be external, so -n has nothing to resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"requests(\..*)?"),
    (r"py:.*", r"urllib3(\..*)?"),
    (r"py:.*", r"httpx2?(\..*)?"),
    (r"py:.*", r"(ssl|asyncio)\..*"),
    (r"py:.*", r"(os|pathlib|contextlib|threading|typing|queue|collections\.abc)\..*"),
    (r"py:.*", r"(socket|select|concurrent)\..*"),
    (r"py:class", r"(str|int|float|bool|bytes|dict|list|tuple|type|object|callable)"),
    (r"py:class", r"(optional|None|callables|sequence of callables|.*-like)"),
    (r"py:class", r"(Any|Optional|Union|PathLike|Source|Request)"),
    (r"py:class", r"(ValueError|TypeError|OSError|UserWarning|Exception)"),
    (r"py:class", r"(FileNotFoundError|PermissionError|RuntimeError)"),
    (r"py:class", r"tuple of Attempt"),
    # A private base, shown by show-inheritance.
    (r"py:class", r"requests_gracedb_like\.credentials\._locks\..*"),
    (r"py:class", r"(sequence|iterable)"),
    (r"py:class", r"requests_gracedb_like\.fanout\._T"),  # a TypeVar
    (r"py:class", r"(mapping|collection)"),
    (r"py:.*", r"(http|urllib)\..*"),
    (r"py:.*", r"(scitokens|netrc)(\..*)?"),
    (r"py:class", r"default=.*"),
    (r"py:obj", r".*\.(auth|attempts|source|location|found|reason)"),
    (r"py:class", r"(ClaimRequirements|CertificateInfo|X509Credential|Attempt)"),
    (r"py:class", r"(Discovery|AuthReport|Callable|Iterator|Iterable|Seen)"),
    (r"py:class", r"(tuple of str|list of str|str or None|float or None)"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"members": True, "show-inheritance": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "alabaster"
html_title = "requests_gracedb_like"
# Code blocks wrap at the window's edge instead of scrolling sideways.
html_static_path = ["_static"]
html_css_files = ["wrap.css"]
exclude_patterns = ["_build"]


def _public_bases(app, name, obj, options, bases):
    # Private helper bases (``_frozen.Frozen``, ``adapters._SessionBase``)
    # are an implementation detail: show what they stand for instead.
    public = []
    for base in bases:
        if base.__name__.startswith("_") or base.__module__.endswith("._frozen"):
            public += [b for b in base.__bases__ if b is not object]
        else:
            public.append(base)
    bases[:] = public


#: Modules whose members have a page of their own (``.. automodule::``
#: without ``:no-members:``), read from the docs' sources.
_MODULE_PAGES = {
    match.group(1)
    for page in Path(__file__).parent.glob("*.rst")
    for match in re.finditer(
        r"^\.\. automodule:: (\S+)\n((?:[ \t]+:.*\n)*)", page.read_text(), re.M
    )
    if ":no-members:" not in match.group(2)
}


def _defining_module(app, modname, fullname):
    # viewcode gives each source file one anchor prefix: the module under
    # which the first object it meets from that file is documented. The
    # names re-exported by the package (``requests_gracedb_like.
    # SessionTimeoutMixin`` on the API page) and the same objects on their
    # module's page (``requests_gracedb_like.timeout.SessionTimeoutMixin``)
    # would then mix two prefixes, and the "[docs]" links of the source
    # page would point to anchors that do not exist. So a source line links
    # back to its module's page when there is one, else (``Session``) to
    # where the object is documented; members follow their class, and
    # nothing leads out of this package.
    if not modname:
        return None
    top = getattr(importlib.import_module(modname), fullname.split(".")[0], None)
    defined = getattr(top, "__module__", None)
    if not isinstance(defined, str) or not defined.startswith(project + "."):
        return modname
    if defined != modname and defined in _MODULE_PAGES:
        return modname
    return defined


def setup(app):
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("viewcode-follow-imported", _defining_module)
