"""A TCP relay on loopback that a test can cut: a machine's network gone, not its peer.

``cut()`` black-holes every connection: bytes are read and dropped, nothing is closed, so
the client sees neither a reset nor an answer (as when a cable is pulled or a machine
freezes), only silence. New connections are accepted and treated the same. ``heal()``
closes what was cut (the client's next read fails, as after a long partition) and relays
new connections again.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class CuttableProxy:
    def __init__(self, *, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._cut = threading.Event()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        self._cut.set()

    def heal(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._cut.clear()

    def close(self) -> None:
        self._closed = True
        self.heal()
        with contextlib.suppress(OSError):
            self._listener.close()

    def url(self, database_url: str) -> str:
        """``database_url`` with its port replaced by the proxy's."""
        head, _, tail = database_url.rpartition(f":{self._upstream[1]}/")
        return f"{head}:{self.port}/{tail}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = None
            if not self._cut.is_set():
                with contextlib.suppress(OSError):
                    upstream = socket.create_connection(self._upstream, timeout=5)
                    upstream.settimeout(None)
            with self._lock:
                self._sockets += [client] + ([upstream] if upstream else [])
            if upstream is None:
                threading.Thread(target=self._pump, args=(client, None), daemon=True).start()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket | None) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if sink is not None and not self._cut.is_set():
                    sink.sendall(data)
        for sock in (source, sink):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
