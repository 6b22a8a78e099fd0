#!/usr/bin/env python3
# hostile-engine.py: an Engine API stand-in whose every string is an attack
# on the terminal that shows it (tests/sanitize-hostile.sh).
#
#   hostile-engine.py ADDR PORT MODE
#
# A real engine cannot be made to send these: it refuses such container
# names and composes its error texts itself. This one answers the calls
# plantdeck's io thread, `status`, `logs` and `container` make, with ESC
# and OSC sequences (an OSC 0 sets the terminal's title to "pwned"), C1
# controls, a RIGHT-TO-LEFT OVERRIDE, a tag character, bytes that are not
# UTF-8 and numbers no integer holds. MODE "deny": every call fails with
# such an error text (the node is shown failed, with it).
# It prints "ready" once it listens.
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

addr, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]

# The attack, as text (invalid bytes as surrogate escapes, written raw).
EVIL = ("\x1b]0;pwned\x07\x1b[2J\x1b[31m\u009b1m\u202etxt.exe\u2066"
        "\U000e0001\udcff\udce2\x7f\x00end")
CID = "c0ffee" + "0" * 58


def raw(obj):
    return json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogateescape")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, body, status=200, ctype="application/json"):
        data = body if isinstance(body, bytes) else raw(body)
        self.send_response(status)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def path_only(self):
        p = self.path.split("?")[0]
        return p[6:] if p.startswith("/v1.") else p

    def do_POST(self):
        # Every change fails, with the attack in its message.
        self.reply({"message": "cannot: " + EVIL}, 500)

    def do_DELETE(self):
        self.do_POST()

    def do_GET(self):
        p = self.path_only()
        if mode == "deny":
            return self.reply({"message": "denied " + EVIL}, 500)
        if p == "/_ping":
            return self.reply(b"OK", ctype="text/plain")
        if p == "/version":
            return self.reply({"Version": "24.0.0" + EVIL, "ApiVersion": "1.41",
                               "Os": "linux", "Arch": "amd64"})
        if p == "/info":
            return self.reply({"ServerVersion": "24.0.0" + EVIL, "OperatingSystem": EVIL,
                               "NCPU": 1e300, "MemTotal": 1e300, "Name": EVIL,
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
        if p == "/containers/json":
            return self.reply([{"Id": CID, "Names": ["/evil"], "Image": "img" + EVIL,
                                "State": "running" + EVIL, "Status": EVIL,
                                "Created": 1e300,
                                "Labels": {"com.docker.compose.project": "stk" + EVIL},
                                "Ports": [{"PrivatePort": 1e300, "PublicPort": -1e300,
                                           "Type": EVIL}]}])
        part = p.split("/")
        ref = part[2] if len(part) == 4 and part[1] == "containers" else None
        if ref not in (CID, CID[:12], "evil"):
            ref = None
        if ref and part[3] == "json":
            return self.reply({"Id": CID, "Name": "/evil", "RestartCount": 1e300,
                               "Created": "2026-01-01T00:00:00Z",
                               "State": {"Status": "running", "Running": True,
                                         "ExitCode": -1e300, "Error": EVIL,
                                         "Health": {"Status": "unhealthy" + EVIL, "Log": [
                                             {"ExitCode": 1e300, "Output": EVIL}]}},
                               "Config": {"Image": "img" + EVIL,
                                          "Labels": {"com.docker.compose.project": "stk" + EVIL},
                                          "StopTimeout": 1e300},
                               "HostConfig": {"Memory": 1e300, "NanoCpus": 1e300,
                                              "RestartPolicy": {"Name": EVIL,
                                                                "MaximumRetryCount": 1e300}},
                               "NetworkSettings": {"Networks": {EVIL: {}}}})
        if ref and part[3] == "stats":
            return self.reply({"cpu_stats": {"cpu_usage": {"total_usage": 1e300},
                                             "system_cpu_usage": 1e300, "online_cpus": 1e300},
                               "memory_stats": {"usage": 1e300, "limit": 1e300,
                                                "stats": {"inactive_file": -1e300}}})
        if ref and part[3] == "logs":
            line = ("log " + EVIL + "\n").encode("utf-8", "surrogateescape")
            frame = bytes([1, 0, 0, 0]) + len(line).to_bytes(4, "big") + line
            return self.reply(frame, ctype="application/vnd.docker.multiplexed-stream")
        return self.reply({"message": "no such thing " + EVIL}, 404)


srv = ThreadingHTTPServer((addr, port), H)
srv.daemon_threads = True
print("ready", flush=True)
srv.serve_forever()
