#!/usr/bin/env python3
"""Records seeds for the fake_server fuzz target: a proxy between the driver and a real
PostgreSQL server that writes what the server sent, cut into the chunks the fake server sends
(one chunk after each client message that a server answers: startup, SSLRequest, password,
Query, Sync, Flush), joined by the target's separator.

Usage: record_seeds.py LISTEN_PORT SERVER_PORT OUT_FILE  (serves one client connection)
"""
import socket, struct, sys, threading

SEPARATOR = b"\xffCHUNK\xff"
TRIGGERS = {b"p", b"Q", b"S", b"H"}

listen_port, server_port, out_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(1)
client, _ = ls.accept()
server = socket.create_connection(("127.0.0.1", server_port))
chunks = []
lock = threading.Lock()

def read_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise EOFError
        data += part
    return data

def client_to_server():
    first = True
    try:
        while True:
            if first:
                length = read_exact(client, 4)
                body = read_exact(client, struct.unpack("!I", length)[0] - 4)
                msg = length + body
                code = struct.unpack("!I", body[:4])[0]
                first = code == 80877103  # an SSLRequest is followed by a startup message
                trigger = True
            else:
                kind = read_exact(client, 1)
                length = read_exact(client, 4)
                msg = kind + length + read_exact(client, struct.unpack("!I", length)[0] - 4)
                trigger = kind in TRIGGERS
                if kind == b"X":
                    server.sendall(msg)
                    break
            if trigger:
                with lock:
                    chunks.append(b"")
            server.sendall(msg)
    except (EOFError, OSError):
        pass

t = threading.Thread(target=client_to_server, daemon=True)
t.start()
try:
    while True:
        data = server.recv(65536)
        if not data:
            break
        with lock:
            chunks[-1] += data
        client.sendall(data)
except OSError:
    pass
with open(out_file, "wb") as f:
    f.write(SEPARATOR.join(c for c in chunks))
