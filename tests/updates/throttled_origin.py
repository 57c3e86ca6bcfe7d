#!/usr/bin/env python3
"""A static update origin for the power-loss test: serves a directory over HTTP on 127.0.0.1,
honours "Range: bytes=N-", and sends bundles at a limited rate so that a kill at a random moment
often lands inside a download. Prints the port it listens on, then serves until killed."""
import http.server, os, sys, time

ROOT, RATE = sys.argv[1], int(sys.argv[2])  # bytes per second for files under /bundles/

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.requestline, self.headers.get("Range") or ""))

    def do_GET(self):
        path = os.path.join(ROOT, self.path.lstrip("/"))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-") and int(rng[6:-1]) < len(data):
            start = int(rng[6:-1])
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        chunk = 16384
        slow = self.path.startswith("/bundles/")
        try:
            for i in range(start, len(data), chunk):
                self.wfile.write(data[i:i + chunk])
                if slow:
                    time.sleep(chunk / RATE)
        except (BrokenPipeError, ConnectionResetError):
            pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
