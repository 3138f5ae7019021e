"""The local HTTP server the benchmark talks to, and the raw-socket check that
it is not the bottleneck.

nginx is used when it is installed (Debian's ``nginx`` or ``nginx-light``
package); otherwise a small asyncio server in a child process stands in.
Both listen on 127.0.0.1 only, on a plain HTTP port and, given a certificate
(``tls=``), on an HTTPS port too; both keep connections alive for as many
requests as the benchmark sends, and serve:

``GET /api/``
    a 100-byte JSON body;
``POST /upload``
    reads and discards the request body, answers ``ok``;
``GET /files/NAME``
    the file NAME of the directory given as ``files=``.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["BODY", "Server", "raw_socket_us", "start", "start_delay"]

#: The body of ``GET /api/``: 100 bytes of JSON.
BODY = (
    b'{"superevent_id": "S240101a", "category": "Production", "far": 1e-10, '
    b'"t_0": 1388000000, "pad": "x"}'
)
assert len(BODY) == 100, len(BODY)

NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
{tls_server}
}}
"""

NGINX_LOCATIONS = """\
        location = /api/ {{
            default_type application/json;
            return 200 '{body}';
        }}
        location = /upload {{
            client_max_body_size 0;
            default_type text/plain;
            return 200 'ok';
        }}
        location /files/ {{
            alias {files}/;
        }}"""

NGINX_TLS_SERVER = """\
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
{locations}
    }}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{what} did not start listening on 127.0.0.1:{port}")


class Server:
    """A running server: ``url`` is its base URL, ``kind`` says which;
    ``https_url`` is its HTTPS base URL when it serves one."""

    def __init__(
        self,
        kind: str,
        port: int,
        proc: subprocess.Popen,
        tls_port: int | None = None,
        scheme: str = "http",
    ) -> None:
        self.kind = kind
        self.port = port
        self.proc = proc
        self.url = f"{scheme}://127.0.0.1:{port}/"
        self.tls_port = tls_port
        self.https_url = tls_port and f"https://127.0.0.1:{tls_port}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _nginx_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr
    return out.strip().rpartition("/")[2] or "?"


def start(
    work: Path,
    *,
    prefer: str = "auto",
    tls: tuple[Path, Path] | None = None,
    files: Path | None = None,
) -> Server:
    """Start nginx if it is installed (unless ``prefer="python"``), else the
    asyncio fallback, on a free loopback port; with ``tls=(chain, key)``
    (PEM files: the server's certificate chain and its key) also on a
    second port with TLS; serving the directory `files` (default: `work`)
    under ``/files/``."""
    files = (files or work).resolve()
    port = _free_port()
    tls_port = _free_port() if tls else None
    binary = _nginx() if prefer in ("auto", "nginx") else None
    if prefer == "nginx" and binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    if binary:
        conf_dir = work / "nginx"
        conf_dir.mkdir(parents=True, exist_ok=True)
        conf = conf_dir / "nginx.conf"
        locations = NGINX_LOCATIONS.format(body=BODY.decode(), files=files)
        tls_server = ""
        if tls:
            tls_server = NGINX_TLS_SERVER.format(
                port=tls_port, cert=tls[0], key=tls[1], locations=locations
            )
        conf.write_text(
            NGINX_CONF.format(
                work=conf_dir, port=port, locations=locations, tls_server=tls_server
            )
        )
        # -e: the error log nginx opens before reading the configuration.
        proc = subprocess.Popen(
            [
                binary,
                "-e",
                str(conf_dir / "error.log"),
                "-p",
                str(conf_dir),
                "-c",
                str(conf),
            ],
            stdin=subprocess.DEVNULL,
        )
        for p in (port, tls_port):
            if p:
                _wait_for(p, proc, "nginx")
        return Server(f"nginx {_nginx_version(binary)}", port, proc, tls_port)
    args = [str(port), str(files)]
    if tls:
        args += [str(tls_port), str(tls[0]), str(tls[1])]
    proc = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.DEVNULL)
    for p in (port, tls_port):
        if p:
            _wait_for(p, proc, "the Python fallback server")
    return Server("asyncio fallback (nginx not installed)", port, proc, tls_port)


def start_delay(target_port: int, rtt_ms: float) -> Server:
    """Start the delay relay (``delay.py``) in front of `target_port`, adding
    a round trip of `rtt_ms` milliseconds; its ``url`` is an https URL (the
    relay carries the server's TLS through)."""
    port = _free_port()
    script = Path(__file__).with_name("delay.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(port), str(target_port), str(rtt_ms)],
        stdin=subprocess.DEVNULL,
    )
    _wait_for(port, proc, "the delay relay")
    return Server(f"delay relay, {rtt_ms:g} ms round trip", port, proc, None, "https")


def raw_socket_us(
    port: int, requests: int, context: ssl.SSLContext | None = None
) -> float:
    """Median microseconds per keep-alive ``GET /api/`` over a raw socket
    (wrapped in TLS with `context`): the floor any client can reach against
    this server."""
    request = (
        b"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n\r\n"
    )
    times = []
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if context:
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    with sock:
        for _ in range(requests):
            t0 = time.perf_counter()
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += sock.recv(65536)
            times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1e6


# -- the fallback server ---------------------------------------------------


def _serve(
    port: int, files: str, tls_port: int = 0, chain: str = "", key: str = ""
) -> None:
    import asyncio

    ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
    api = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                while length:
                    chunk = await reader.read(min(length, 1 << 20))
                    if not chunk:
                        return
                    length -= len(chunk)
                path = head.split(b" ", 2)[1]
                if head.startswith(b"GET") and path.startswith(b"/files/"):
                    name = os.path.join(files, os.path.basename(path.decode()))
                    with open(name, "rb") as f:
                        size = os.fstat(f.fileno()).st_size
                        writer.write(
                            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
                        )
                        while chunk := f.read(1 << 20):
                            writer.write(chunk)
                            await writer.drain()
                    continue
                writer.write(ok if head.startswith(b"POST") else api)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", port)]
        if tls_port:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(chain, key)
            servers.append(
                await asyncio.start_server(handle, "127.0.0.1", tls_port, ssl=context)
            )
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(main())


if __name__ == "__main__":
    # PORT FILES [TLS_PORT CHAIN KEY]
    args = sys.argv[1:]
    _serve(int(args[0]), args[1], int(args[2]) if len(args) > 2 else 0, *args[3:5])
