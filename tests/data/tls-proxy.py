#!/usr/bin/env python3
# tls-proxy.py: a mutual-TLS front for a plaintext Engine API (a simulated
# engine), as dockerd --tlsverify is one: tests/tls-transport.sh.
#
#   tls-proxy.py ADDR CERT KEY CA TARGET_HOST TARGET_PORT [LOG]
#
# It listens on ADDR, on a port the kernel chooses, and prints that port
# once it listens.  Each connection must complete a TLS handshake with a
# client certificate signed by CA (else it is closed, as dockerd does);
# then its bytes go both ways to TARGET unchanged.  Each connection has its
# own threads: a client that stalls in the handshake stalls no other.
# With LOG, each handshake that succeeded appends a line to it: "resumed"
# (the client resumed an earlier TLS session) or "full".
import socket
import ssl
import sys
import threading

addr, cert, key, ca, thost, tport = sys.argv[1:7]
log = sys.argv[7] if len(sys.argv) > 7 else None
log_lock = threading.Lock()

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED


def pump(src, dst):
    """Copy SRC to DST until either ends."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(conn):
    """Handshake with one client, then join it to the target."""
    try:
        conn.settimeout(10)
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.settimeout(None)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    if log:
        with log_lock, open(log, "a") as f:
            f.write("resumed\n" if tls.session_reused else "full\n")
    try:
        up = socket.create_connection((thost, int(tport)), timeout=10)
        up.settimeout(None)
    except OSError:
        tls.close()
        return
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, 0))
srv.listen(128)
print(srv.getsockname()[1], flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
