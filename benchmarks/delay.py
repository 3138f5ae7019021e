"""A TCP relay on 127.0.0.1 that adds a round-trip time, as a distant server
would.

    python delay.py LISTEN_PORT TARGET_PORT RTT_MS

Every connection to ``127.0.0.1:LISTEN_PORT`` is relayed to
``127.0.0.1:TARGET_PORT``; the bytes of each direction are forwarded in the
order they came, each chunk half the round trip after it was read. A new
connection's first bytes from the client wait one round trip more: on a
real network, ``connect()`` returns only after the TCP handshake (SYN,
SYN-ACK), while the kernel completes a loopback one at once. The relay
does not limit bandwidth and does not look into the stream, so TLS
runs end to end between client and server. Two threads per direction: one
reads (and stamps the time), one sleeps until a chunk is due and sends it,
so a slow reader never delays the next chunk's stamp. ``time.sleep`` wakes
within tens of microseconds; the bare ``http.client`` row through the relay
shows what the relay itself adds.

Linux's ``tc netem`` would do the same in the kernel, but needs privileges
and changes the loopback device for every process on the machine.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import sys
import threading
import time

__all__ = ["relay", "serve"]

CHUNK = 1 << 16


def _forward(
    src: socket.socket, dst: socket.socket, delay: float, first: float = 0.0
) -> None:
    """Copy `src` to `dst`, each chunk `delay` seconds after it was read,
    the first `first` seconds more."""
    due: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()

    def read() -> None:
        extra = first
        try:
            while True:
                data = src.recv(CHUNK)
                due.put((time.monotonic() + delay + extra, data))
                extra = 0.0
                if not data:
                    return
        except OSError:
            due.put((0.0, b""))

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            when, data = due.get()
            wait = when - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
    except OSError:
        pass
    finally:
        # Whichever side ended, nothing more can go this way.
        with contextlib.suppress(OSError):
            src.shutdown(socket.SHUT_RD)


def relay(client: socket.socket, target_port: int, delay: float) -> None:
    """Relay one accepted connection to the target, both ways."""
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    for sock in (client, upstream):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(
        target=_forward, args=(upstream, client, delay), daemon=True
    )
    back.start()
    _forward(client, upstream, delay, first=2 * delay)  # the TCP handshake
    back.join()
    client.close()
    upstream.close()


def serve(listen_port: int, target_port: int, rtt_ms: float) -> None:
    delay = rtt_ms / 2000  # each direction: half the round trip
    with socket.create_server(("127.0.0.1", listen_port), backlog=128) as server:
        while True:
            client, _ = server.accept()
            threading.Thread(
                target=relay, args=(client, target_port, delay), daemon=True
            ).start()


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
