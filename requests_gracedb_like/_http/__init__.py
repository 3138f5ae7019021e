"""Transport plumbing shared by the mixins; private.

:mod:`.arguments` (request arguments as the mixins see them),
:mod:`.origin` (which origin a URL belongs to, and the credential headers),
:mod:`.redact` (URLs and headers made safe to show), :mod:`.messages`
(the message of an HTTP error, from an error body read within bounds),
:mod:`.replay` (a request sent again after a 401) and :mod:`.multipart`
(uploads streamed from disk).
"""

__all__: list[str] = []
