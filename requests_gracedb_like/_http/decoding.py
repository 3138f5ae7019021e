"""Decoding a compressed body within a bound: :class:`BoundedDecoder`.

An error body is read only as far as its message needs. A compressed body
must be decoded within the same bound: 64 KiB of gzip can hold 64 MiB of
zeros, and a decoder that turns each network chunk into all it holds (as
httpx's does) fills memory before the reader can stop. zlib's
``max_length`` keeps each step to the bound.
"""

from __future__ import annotations

import zlib

__all__ = ["BoundedDecoder"]

_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS


class _Step:
    """One ``Content-Encoding`` undone: gzip (its members one after the
    other) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, coding: str) -> None:
        self.wbits = _GZIP if coding in ("gzip", "x-gzip") else _ZLIB
        self.decoder = zlib.decompressobj(self.wbits)
        self.started = False

    def decode(self, data: bytes, limit: int) -> bytes:
        """At most `limit` bytes of what `data` holds (the rest of `data`
        is dropped: the reader stops at the bound)."""
        out = b""
        while data and len(out) < limit:
            try:
                out += self.decoder.decompress(data, limit - len(out))
            except zlib.error:
                if self.started or self.wbits != _ZLIB:
                    raise
                self.wbits = _RAW_DEFLATE  # deflate sent without its wrapper
                self.decoder = zlib.decompressobj(self.wbits)
                continue
            self.started = True
            if self.decoder.unconsumed_tail or not self.decoder.eof:
                break
            data = self.decoder.unused_data
            if data and self.wbits == _GZIP:
                self.decoder = zlib.decompressobj(self.wbits)  # the next member
            else:
                break
        return out


class BoundedDecoder:
    """Undo a ``Content-Encoding`` of gzip or deflate (or a list of them)
    on the raw chunks of a body, giving at most `limit` bytes in all.

    Parameters
    ----------
    content_encoding : str
        The response's ``Content-Encoding`` header ("" for none).
    limit : int
        The most bytes :meth:`decode` gives, over all its calls: a reader
        that wants ``n`` bytes and to know whether there were more asks
        for ``n + 1``.

    Attributes
    ----------
    readable : bool
        False when the encoding is one this class does not decode (``br``,
        ``zstd``, an unknown name): the body is then better left unread.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [
            coding.strip().lower()
            for coding in content_encoding.split(",")
            if coding.strip() and coding.strip().lower() != "identity"
        ]
        self.readable = all(
            coding in ("gzip", "x-gzip", "deflate") for coding in codings
        )
        # The coding applied last is undone first.
        self._steps = [_Step(coding) for coding in reversed(codings)]
        self.left = limit

    def decode(self, chunk: bytes) -> bytes:
        """The decoded bytes of the raw `chunk`, within what is left of the
        bound.

        Raises
        ------
        zlib.error
            The body is not what its ``Content-Encoding`` says.
        """
        data = chunk
        for step in self._steps:
            data = step.decode(data, self.left)
        data = data[: self.left]
        self.left -= len(data)
        return data
