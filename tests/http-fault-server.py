#!/usr/bin/env python3
"""A REST sandbox API on 127.0.0.1 that fails on purpose, for testing the
http provider (providers/http.c).  Python 3 standard library only.

    tests/http-fault-server.py [--port N] [--faults FILE] [--lifetime SECONDS]
                               [--tls-cert PEM --tls-key PEM] [--verbose]

It listens on 127.0.0.1 (port 0: any free one) and prints the port it got as
the first line of stdout, then nothing else there.  It stops by itself after
--lifetime seconds (default 300), on SIGTERM or SIGINT, and when the process
that started it exits.

The API, with in-memory state (ids are "sbx-" + the name):

    POST   /sandboxes                  {"name",...} -> 201 {"id","state":"inactive"}
    POST   /sandboxes/{id}/start       -> {"state":"active"}
    POST   /sandboxes/{id}/stop        -> {"state":"inactive"[,"snapshot"]}
    DELETE /sandboxes/{id}             -> 204
    GET    /sandboxes/{id}             -> {"id","name","state"}, or 404
    GET    /sandboxes/{id}/usage       -> {"last_activity","size"}
    GET    /sandboxes/{id}/export      -> the archive's bytes
    POST   /sandboxes/{id}/import      -> {"message":"imported N bytes"}
    POST   /hooks/{anything}           -> {"ok":true} (a webhook receiver for
                                          notifications; see /_log for bodies)

A mutating request that repeats an Idempotency-Key gets the first answer
again.

The control plane (never logged, never faulted):

    POST   /_faults   a JSON list of faults: replaces the script
    GET    /_faults   what is left of it;   DELETE /_faults clears it
    GET    /_log      every other request received, oldest first:
                      {"method","path","headers":{lower-case name: value},
                       "body","time","fault"}
    DELETE /_log      clears the log;  POST /_reset clears everything

A fault applies to the next requests to exactly "path" (without the query;
"*" matches any), optionally only for "method", "times" times (default 1);
the first fault that matches is used.  Its fields:

    "status": 503           answer with this status (default 500)
    "retry_after": 2        with a Retry-After header (seconds, or a string)
    "body": ...             this body (a string as it is, else as JSON)
    "body_size": N          a body of N bytes of "x"
    "echo_headers": true    a body of the request's headers, as JSON
    "hang": 30              wait this long first; then, unless "status" is
                            given, close the connection without an answer
    "close": true           close the connection without an answer

e.g.  [{"path": "/sandboxes/x/start", "status": 503, "times": 2},
       {"path": "/sandboxes/x/start", "status": 429, "retry_after": 2},
       {"path": "/sandboxes/x/stop", "hang": 30}]
"""

import argparse
import hashlib
import json
import os
import signal
import ssl
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

MAX_REQUEST = 64 << 20


class State:
    def __init__(self, faults):
        self.lock = threading.Lock()
        self.faults = faults
        self.log = []
        self.sandboxes = {}
        self.replies = {}  # (key, method, path) -> (status, headers, body)

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f.get("times", 1) <= 0:
                    continue
                if f.get("path") not in ("*", path):
                    continue
                if f.get("method") not in (None, method):
                    continue
                f["times"] = f.get("times", 1) - 1
                return dict(f)
        return None


def check_faults(faults):
    if not isinstance(faults, list) or not all(isinstance(f, dict) and "path" in f for f in faults):
        raise ValueError('faults must be a list of objects with a "path"')
    return faults


def iso_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sbx-http-fault-server"

    def setup(self):
        # The TLS handshake happens here, in this connection's own thread,
        # so that a client that stalls or refuses our certificate holds up
        # nobody else.
        if self.server.tls:
            self.request.settimeout(10)
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
            self.request.settimeout(None)
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # ---- plumbing ----

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
                if len(data) > MAX_REQUEST:
                    raise ValueError("request too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_REQUEST:
            raise ValueError("request too large")
        return self.rfile.read(n) if n else b""

    def send(self, status, body=b"", headers=None, ctype="application/json"):
        if not isinstance(body, bytes):
            body = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if body or status not in (204, 304):
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def drop(self):
        """Closes the connection without an answer."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(2)
        except OSError:
            pass

    # ---- dispatch ----

    def handle_any(self):
        st = self.server.state
        try:
            body = self.read_body()
        except (ValueError, OSError) as e:
            self.close_connection = True
            return self.send(400, {"message": str(e)})
        path = urlsplit(self.path).path
        if path.startswith("/_"):
            return self.control(path, body)

        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        entry = {"method": self.command, "path": self.path, "headers": headers,
                 "body": body.decode("utf-8", "replace"), "time": time.time(), "fault": None}
        fault = st.take_fault(self.command, path)
        entry["fault"] = fault
        with st.lock:
            st.log.append(entry)
        if fault:
            return self.apply_fault(fault, headers)
        return self.api(path, body, headers)

    def apply_fault(self, f, headers):
        if f.get("hang"):
            time.sleep(float(f["hang"]))
            if "status" not in f:
                return self.drop()
        if f.get("close"):
            return self.drop()
        extra = {}
        if "retry_after" in f:
            extra["Retry-After"] = f["retry_after"]
        if f.get("echo_headers"):
            body = headers
        elif "body_size" in f:
            body = b"x" * int(f["body_size"])
        elif "body" in f:
            body = f["body"].encode() if isinstance(f["body"], str) else f["body"]
        else:
            body = {"message": "injected fault"}
        self.send(int(f.get("status", 500)), body, extra)

    def control(self, path, body):
        st = self.server.state
        try:
            if path == "/_faults" and self.command == "POST":
                faults = check_faults(json.loads(body or b"[]"))
                with st.lock:
                    st.faults = faults
                return self.send(200, {"faults": len(faults)})
            if path == "/_faults" and self.command == "GET":
                with st.lock:
                    return self.send(200, [f for f in st.faults if f.get("times", 1) > 0])
            if path == "/_faults" and self.command == "DELETE":
                with st.lock:
                    st.faults = []
                return self.send(204)
            if path == "/_log" and self.command == "GET":
                with st.lock:
                    return self.send(200, st.log)
            if path == "/_log" and self.command == "DELETE":
                with st.lock:
                    st.log = []
                return self.send(204)
            if path == "/_reset" and self.command == "POST":
                with st.lock:
                    st.faults, st.log, st.sandboxes, st.replies = [], [], {}, {}
                return self.send(204)
        except ValueError as e:
            return self.send(400, {"message": str(e)})
        return self.send(404, {"message": "no such control " + path})

    # ---- the sandbox API ----

    def api(self, path, body, headers):
        st = self.server.state
        key = headers.get("idempotency-key")
        mutating = self.command not in ("GET", "HEAD")
        if mutating and key:
            with st.lock:
                seen = st.replies.get((key, self.command, path))
            if seen:
                return self.send(*seen)
        status, reply, extra, ctype = self.route(path, body)
        if mutating and key and status < 500:
            with st.lock:
                st.replies[(key, self.command, path)] = (status, reply, extra, ctype)
        self.send(status, reply, extra, ctype)

    def route(self, path, body):
        st = self.server.state
        parts = [unquote(p) for p in path.split("/")[1:]]
        json_t = "application/json"
        if parts == ["sandboxes"] and self.command == "POST":
            try:
                req = json.loads(body or b"{}")
                name = req["name"]
                assert isinstance(name, str) and name
            except (ValueError, KeyError, AssertionError, TypeError):
                return 400, {"message": "a JSON object with a \"name\" is needed"}, {}, json_t
            sid = "sbx-" + name
            with st.lock:
                if sid in st.sandboxes:
                    return 409, {"message": "sandbox %s exists" % sid}, {}, json_t
                st.sandboxes[sid] = {"id": sid, "name": name, "state": "inactive",
                                     "request": req, "last_activity": iso_now()}
            return 201, {"id": sid, "state": "inactive", "message": "created " + sid}, {}, json_t
        if len(parts) >= 2 and parts[0] == "hooks" and self.command == "POST":
            return 200, {"ok": True}, {}, json_t
        if len(parts) < 2 or parts[0] != "sandboxes":
            return 404, {"message": "no route " + path}, {}, json_t
        sid, rest = parts[1], parts[2:]
        with st.lock:
            sb = st.sandboxes.get(sid)
            if not sb:
                return 404, {"message": "no sandbox " + sid}, {}, json_t
            if rest == [] and self.command == "GET":
                return 200, {"id": sid, "name": sb["name"], "state": sb["state"]}, {}, json_t
            if rest == [] and self.command == "DELETE":
                del st.sandboxes[sid]
                return 204, b"", {}, json_t
            if rest == ["start"] and self.command == "POST":
                sb["state"], sb["last_activity"] = "active", iso_now()
                return 200, {"state": "active", "message": "started " + sid}, {}, json_t
            if rest == ["stop"] and self.command == "POST":
                sb["state"] = "inactive"
                reply = {"state": "inactive"}
                snap = sb["request"].get("snapshot")
                if isinstance(snap, str) and len(snap) == 64:
                    reply["snapshot"] = hashlib.sha256(snap.encode()).hexdigest()
                return 200, reply, {}, json_t
            if rest == ["usage"] and self.command == "GET":
                return 200, {"last_activity": sb["last_activity"],
                             "size": 1000 + len(json.dumps(sb))}, {}, json_t
            if rest == ["export"] and self.command == "GET":
                return 200, ("archive of %s\n" % sid).encode(), {}, "application/octet-stream"
            if rest == ["import"] and self.command == "POST":
                sb["imported"] = hashlib.sha256(body).hexdigest()
                return 200, {"message": "imported %d bytes" % len(body)}, {}, json_t
        return 405, {"message": "%s %s is not allowed" % (self.command, path)}, {}, json_t


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients that time out or refuse our certificate are the point.
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--faults", help="a JSON file holding the initial fault script")
    ap.add_argument("--lifetime", type=float, default=300, help="seconds before stopping")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="and this private key (PEM)")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = ap.parse_args()

    faults = []
    if args.faults:
        with open(args.faults) as f:
            faults = check_faults(json.load(f))

    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(faults)
    server.verbose = args.verbose
    server.tls = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.tls = ctx

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)

    parent = os.getppid()
    end = time.monotonic() + args.lifetime
    while not stop.wait(min(1.0, max(0.0, end - time.monotonic()))):
        if time.monotonic() >= end or os.getppid() != parent:
            break
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
