#!/usr/bin/env python3
"""`make soak`: the exporter under sustained load and under the hostile cases of issue 13.

Starts the release `bulwark demo` (simulated providers, the resilient client recording in-process at
--client-rate requests/s, the exporter on a loopback port), then:
  1. wrk against GET /metrics, then against POST /v1/events (10-event arrays), each for --seconds,
     while the in-process client keeps recording: requests/s, p99 latency, peak RSS;
  2. hostile cases against a `bulwark serve` with a bearer token, each for --seconds, with the peak RSS and
     the p99 of GET /healthz from another loopback address (127.0.0.2) while it runs:
       - slowloris: --slow-clients connections sending one header byte every 5 s;
       - unauthenticated bodies: --body-clients connections declaring a 10 MiB body and sending it slowly;
       - series explosion: 100,000 events with distinct models and status codes posted in batches.
Prints one table; nothing here is a pass/fail check (the end-to-end tests hold the bounds).
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRSS:
    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.peak = rss_kib(self.pid)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.05)

    def __exit__(self, *_):
        self._stop.set()
        self.thread.join()


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"soak: nothing listens on {port}")


def wrk(url, seconds, script=None, threads=2, connections=32):
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def healthz_p99(port, stop, results):
    """GET /healthz from 127.0.0.2 every 50 ms until `stop`; appends latencies (ms, or None on failure)."""
    while not stop.is_set():
        start = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0)) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                ok = s.recv(64).startswith(b"HTTP/1.1 200")
            results.append((time.perf_counter() - start) * 1000 if ok else None)
        except OSError:
            results.append(None)
        time.sleep(0.05)


def percentile(values, q):
    good = sorted(v for v in values if v is not None)
    if not good:
        return float("nan")
    return good[min(len(good) - 1, int(q * len(good)))]


def hostile(name, port, pid, seconds, action):
    stop, latencies = threading.Event(), []
    probe = threading.Thread(target=healthz_p99, args=(port, stop, latencies), daemon=True)
    with PeakRSS(pid) as peak:
        probe.start()
        action(stop)
        time.sleep(seconds)
        stop.set()
        probe.join()
    failed = sum(1 for v in latencies if v is None)
    return name, peak.peak / 1024, percentile(latencies, 0.99), f"{len(latencies) - failed}/{len(latencies)}"


def slowloris(port, count):
    def start(stop):
        sockets = []
        for _ in range(count):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                sockets.append(s)
            except OSError:
                break

        def drip():
            while not stop.is_set():
                for s in list(sockets):
                    try:
                        s.sendall(b"X")
                    except OSError:
                        sockets.remove(s)
                stop.wait(5)
            for s in sockets:
                s.close()
        threading.Thread(target=drip, daemon=True).start()
    return start


def big_bodies(port, count):
    def start(stop):
        def one():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 10485759\r\n\r\n")
                chunk = b" " * 65536
                while not stop.is_set():
                    s.sendall(chunk)
                    time.sleep(0.01)
                s.close()
            except OSError:
                pass
        for _ in range(count):
            threading.Thread(target=one, daemon=True).start()
    return start


def series_explosion(port, token):
    def start(stop):
        def run():
            sent = 0
            while sent < 100_000 and not stop.is_set():
                events = [json.dumps({"timestamp": time.time(), "provider": "openai", "model": f"m-{sent + i}",
                                      "status_code": 200 + (sent + i) % 399, "latency_ms": 5}) for i in range(1000)]
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/events", ("[" + ",".join(events) + "]").encode(),
                    {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                try:
                    urllib.request.urlopen(request, timeout=10).read()
                except OSError:
                    pass
                sent += 1000
        threading.Thread(target=run, daemon=True).start()
    return start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--client-rate", type=float, default=200)
    parser.add_argument("--slow-clients", type=int, default=1100)
    parser.add_argument("--body-clients", type=int, default=200)
    args = parser.parse_args()
    rows = []

    port = free_port()
    demo = subprocess.Popen([args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--rate", str(args.client_rate),
                             "--no-logs", "--plain", "--progress-interval", "3600"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        time.sleep(3)
        for name, url, script in [
            ("GET /metrics (demo recording in-process)", f"http://127.0.0.1:{port}/metrics", None),
            ("POST /v1/events, 10 events (demo recording)", f"http://127.0.0.1:{port}/v1/events",
             os.path.join(HERE, "post-events.lua")),
        ]:
            with PeakRSS(demo.pid) as peak:
                rps, p99, errors = wrk(url, args.seconds, script)
            rows.append((name, f"{rps:,.0f} req/s", f"p99 {p99:.2f} ms", f"peak RSS {peak.peak / 1024:.0f} MiB",
                         f"non-2xx {errors}"))
    finally:
        demo.terminate()
        demo.wait()

    port = free_port()
    token = "soak-token-0123456789"
    serve = subprocess.Popen([args.bin, "serve", "--listen", f"127.0.0.1:{port}", "--no-logs", "--no-replay",
                              "--auth-token-env", "SOAK_TOKEN"], env={**os.environ, "SOAK_TOKEN": token},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        baseline = rss_kib(serve.pid) / 1024
        for name, action in [
            (f"slowloris: {args.slow_clients} connections, 1 byte / 5 s", slowloris(port, args.slow_clients)),
            (f"{args.body_clients} unauthenticated 10 MiB bodies", big_bodies(port, args.body_clients)),
            ("100,000 distinct series posted", series_explosion(port, token)),
        ]:
            case, peak, p99, answered = hostile(name, port, serve.pid, args.seconds, action)
            rows.append((case, f"/healthz from 127.0.0.2: {answered} answered", f"p99 {p99:.2f} ms",
                         f"peak RSS {peak:.0f} MiB (idle {baseline:.0f})", ""))
            time.sleep(2)
        metrics = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"}), timeout=10).read()
        rows.append(("/metrics after the series case", f"{len(metrics) / 1024:.0f} KiB",
                     f"{sum(1 for l in metrics.splitlines() if l and not l.startswith(b'#')):,} samples", "", ""))
    finally:
        serve.terminate()
        serve.wait()

    width = max(len(r[0]) for r in rows)
    for row in rows:
        print(f"{row[0]:<{width}}  " + "  ".join(c for c in row[1:] if c))


if __name__ == "__main__":
    main()
