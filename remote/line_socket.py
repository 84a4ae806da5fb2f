"""A client socket (plain or TLS) that one thread reads lines from while others write.

An `ssl.SSLSocket` must not be read and written at the same moment from two threads (OpenSSL's
connection state is not thread-safe: a write racing the reader's first read, which takes the
server's session tickets, was lost about once in five connections). So the socket is
non-blocking, every read and write is one short call under a lock, and the waiting happens in
`select` outside it.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Iterator

RETRY = (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError)


class LineSocket:
    def __init__(self, sock: socket.socket | ssl.SSLSocket) -> None:
        self._sock = sock
        self._sock.setblocking(False)
        self._io = threading.Lock()
        self._closed = False

    def send_all(self, data: bytes, timeout: float) -> None:
        """Write all of `data` (one writer at a time: callers serialise); OSError if the
        server takes none of it for `timeout` seconds."""
        view = memoryview(data)
        while view:
            sent = 0
            with self._io:
                try:
                    sent = self._sock.send(view)
                except RETRY:
                    pass
            view = view[sent:]
            if view and not select.select([], [self._sock], [], timeout)[1]:
                raise TimeoutError(f"the server took nothing for {timeout} s")

    def lines(self) -> Iterator[bytes]:
        """Every line the server sends, until it closes the connection or `close()`."""
        parts: list[bytes] = []  # of the line not yet complete
        while not self._closed:
            chunk = self._read()
            if chunk is None:
                continue
            if not chunk:
                return
            while (end := chunk.find(b"\n")) >= 0:
                yield b"".join([*parts, chunk[:end + 1]])
                parts, chunk = [], chunk[end + 1:]
            if chunk:
                parts.append(chunk)

    def _read(self) -> bytes | None:
        """Some bytes, b"" at the end, None when nothing came within a moment."""
        pending = isinstance(self._sock, ssl.SSLSocket) and self._sock.pending() > 0
        if not pending and not select.select([self._sock], [], [], 0.2)[0]:
            return None
        with self._io:
            try:
                return self._sock.recv(1 << 16)
            except RETRY:  # a TLS record not yet whole
                return None

    def close(self) -> None:
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
