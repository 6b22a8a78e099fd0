#!/usr/bin/env python3
# fake-engine.py: the few Engine API calls plantdeck's io thread makes, for
# tests of the live model's bounds without a lab (tests/fleet-bounded.sh).
#
#   fake-engine.py ADDR PORT MODE
#
# MODE "many:N": a list of N exited containers, each inspected on request.
# MODE "huge": a container list that never ends within its cap ("[" and
# 65 MiB of blanks).  /_ping, /info and a silent /events stream either way.
# It prints "ready" once it listens.
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N = int(mode.split(":")[1]) if mode.startswith("many:") else 0


def cid(k):
    return "%08x%056x" % ((k * 2654435761) & 0xFFFFFFFF, k)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, body, status=200):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        p = self.path.split("?")[0]
        if p.startswith("/v1.41"):
            p = p[6:]
        if p == "/_ping":
            return self.reply(b"OK")
        if p == "/info":
            return self.reply({"ServerVersion": "fake", "OperatingSystem": "fake",
                               "NCPU": 1, "MemTotal": 1 << 30,
                               "Swarm": {"LocalNodeState": "inactive"}})
        if p == "/events":
            self.send_response(200)
            self.send_header("Api-Version", "1.41")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            try:
                while True:
                    time.sleep(1)
                    self.wfile.write(b"")
            except Exception:
                return
        if p == "/containers/json" and mode == "huge":
            self.send_response(200)
            self.send_header("Api-Version", "1.41")
            self.send_header("Content-Length", str(1 + (65 << 20) + 1))
            self.end_headers()
            try:
                self.wfile.write(b"[")
                blank = b" " * (1 << 20)
                for _ in range(65):
                    self.wfile.write(blank)
                self.wfile.write(b"]")
            except Exception:
                pass
            return
        if p == "/containers/json":
            return self.reply([{"Id": cid(k), "Names": ["/c-%d" % k], "Image": "x",
                                "State": "exited", "Status": "Exited (0) 1 minute ago",
                                "Created": 1700000000, "Labels": {}} for k in range(N)])
        if p.startswith("/containers/") and p.endswith("/json"):
            i = p.split("/")[2]
            try:
                name = "/c-%d" % int(i[8:], 16)
            except ValueError:
                return self.reply({"message": "no such container"}, 404)
            return self.reply({"Id": i, "Name": name, "RestartCount": 0, "Created": "",
                               "State": {"Status": "exited", "ExitCode": 0},
                               "Config": {"Image": "x", "Labels": {}}})
        return self.reply({"message": "not here"}, 404)


srv = ThreadingHTTPServer((addr, port), H)
srv.daemon_threads = True
print("ready", flush=True)
srv.serve_forever()
