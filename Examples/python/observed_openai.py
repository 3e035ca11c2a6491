#!/usr/bin/env python3
"""Bulwark's event stream from a Python service: wrap the official `openai` SDK so that every attempt
becomes one APICallMetric event posted to a running `bulwark serve` (POST /v1/events), and the exporter's
/metrics and /alerts cover this service exactly as they cover a Swift one.

What the wrapper adds to the SDK (whose own retries are turned off, so each attempt is seen):
  - retries with full jitter (delay = U(0, min(base * 2**n, max))), a Retry-After from the provider
    replacing the computed delay; never retrying 400/401/403/404/413 or an exhausted quota;
  - a circuit breaker (5 failures in 120 s open it for 60 s); a call it skips is posted as an attempt with
    status_code 0, error_type "unavailable" and circuit_state "open", so LLMAPICircuitOpen can fire;
  - request_outcome on each request's last attempt (success / failed / cancelled), which drives
    llm_api_requests_total;
  - a bounded queue drained by one thread that posts NDJSON batches; when it is full, events are dropped
    and counted (`dropped_events`), never blocking the caller. The key is never part of an event.

Run against the simulator:
    bulwark simulate --listen 127.0.0.1:8080 &
    bulwark serve --listen 127.0.0.1:9464 &
    OPENAI_API_KEY=sk-... python3 Examples/python/observed_openai.py \
        --base-url http://127.0.0.1:8080/v1 --exporter http://127.0.0.1:9464 --requests 20
"""

import argparse
import json
import os
import queue
import random
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import openai

NEVER_RETRIED = {"bad_request", "authentication", "permission", "not_found", "request_too_large",
                 "quota_exhausted", "content_filtered", "cancelled"}
STATUS_TYPES = {400: "bad_request", 401: "authentication", 403: "permission", 404: "not_found",
                408: "request_timeout", 413: "request_too_large", 429: "rate_limited", 500: "server_error",
                502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout", 529: "overloaded"}


class EventPoster:
    """Posts events to the exporter from one background thread, in NDJSON batches."""

    def __init__(self, exporter_url, token=None, capacity=10_000, batch=500):
        self.url = exporter_url.rstrip("/") + "/v1/events"
        self.token = token
        self.queue = queue.Queue(maxsize=capacity)
        self.batch = batch
        self.dropped_events = 0
        self.rejected_batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bulwark-events", daemon=True)
        self._thread.start()

    def post(self, event):
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.dropped_events += 1

    def close(self, timeout=10):
        self._stop.set()
        self._thread.join(timeout)

    def _run(self):
        while not (self._stop.is_set() and self.queue.empty()):
            events = []
            try:
                events.append(self.queue.get(timeout=0.2))
            except queue.Empty:
                continue
            while len(events) < self.batch:
                try:
                    events.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self._send(events)

    def _send(self, events):
        body = "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events).encode()
        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        for attempt in range(3):
            try:
                with urllib.request.urlopen(urllib.request.Request(self.url, body, headers), timeout=5) as answer:
                    if answer.status == 202:
                        return
            except urllib.error.HTTPError as error:
                if error.code < 500 and error.code != 429:
                    self.rejected_batches += 1
                    print(f"bulwark: the exporter refused {len(events)} events: {error.read()[:300]!r}", file=sys.stderr)
                    return
            except OSError:
                pass
            time.sleep(0.2 * 2 ** attempt)
        self.dropped_events += len(events)


class CircuitBreaker:
    def __init__(self, failure_threshold=5, window_seconds=120, recovery_timeout=60):
        self.failure_threshold, self.window, self.recovery = failure_threshold, window_seconds, recovery_timeout
        self.failures, self.opened_at, self.lock = [], None, threading.Lock()

    @property
    def state(self):
        with self.lock:
            if self.opened_at is None:
                return "closed"
            return "open" if time.monotonic() - self.opened_at < self.recovery else "half_open"

    def record(self, success):
        with self.lock:
            now = time.monotonic()
            if success:
                self.failures, self.opened_at = [], None
                return
            self.failures = [t for t in self.failures if now - t < self.window] + [now]
            if self.opened_at is not None or len(self.failures) >= self.failure_threshold:
                self.opened_at = now


class ObservedOpenAI:
    """`chat()` through the official SDK, with retries, a breaker and one posted event per attempt."""

    def __init__(self, client, poster, provider="openai", max_retries=2, base_delay=0.05, max_delay=2.0):
        self.client, self.poster, self.provider = client, poster, provider
        self.max_retries, self.base_delay, self.max_delay = max_retries, base_delay, max_delay
        self.breaker = CircuitBreaker()

    def chat(self, model, messages, max_tokens=256):
        request_id = uuid.uuid4().hex
        retries = 0
        while True:
            state = self.breaker.state
            started, wall = time.monotonic(), time.time()
            event = {"timestamp": wall, "provider": self.provider, "model": model, "status_code": 0,
                     "latency_ms": 0.0, "is_retry": retries > 0, "retry_count": retries, "circuit_state": state,
                     "request_id": request_id, "attempt": retries + 1}
            if state == "open":
                event.update(error_type="unavailable", error_message="skipped: the circuit breaker is open",
                             request_outcome="failed")
                self.poster.post(event)
                raise RuntimeError(f"{self.provider}: circuit open")
            try:
                raw = self.client.chat.completions.with_raw_response.create(
                    model=model, messages=messages, max_tokens=max_tokens)
                answer = raw.parse()
                usage = answer.usage
                event.update(status_code=raw.status_code, latency_ms=(time.monotonic() - started) * 1000,
                             input_tokens=usage.prompt_tokens if usage else 0,
                             output_tokens=usage.completion_tokens if usage else 0, request_outcome="success")
                self.breaker.record(True)
                self.poster.post(event)
                return answer
            except BaseException as error:  # KeyboardInterrupt and cancellation included: recorded, re-raised
                error_type, status, retry_after = self.classify(error)
                event.update(status_code=status, latency_ms=(time.monotonic() - started) * 1000,
                             error_type=error_type, error_message=str(error)[:500],
                             retry_after_ms=retry_after * 1000 if retry_after is not None else None)
                if error_type != "cancelled":
                    self.breaker.record(False)
                last = error_type in NEVER_RETRIED or retries >= self.max_retries
                if last:
                    event["request_outcome"] = "cancelled" if error_type == "cancelled" else "failed"
                self.poster.post(event)
                if last:
                    raise
                delay = random.uniform(0, min(self.base_delay * 2 ** retries, self.max_delay))
                time.sleep(retry_after if retry_after is not None else delay)
                retries += 1

    @staticmethod
    def classify(error):
        """(error_type, status_code, retry_after seconds or None) of an SDK exception."""
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            return "cancelled", 0, None
        if isinstance(error, openai.APITimeoutError):
            return "timeout", 0, None
        if isinstance(error, openai.APIConnectionError):
            return "connection", 0, None
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            body = error.body if isinstance(error.body, dict) else {}
            code = body.get("code") or (body.get("error") or {}).get("code") if isinstance(body, dict) else None
            if status == 429 and code == "insufficient_quota":
                return "quota_exhausted", status, None
            retry_after = None
            header = error.response.headers.get("retry-after-ms") or None
            if header:
                retry_after = float(header) / 1000
            elif error.response.headers.get("retry-after", "").strip().replace(".", "", 1).isdigit():
                retry_after = float(error.response.headers["retry-after"])
            kind = STATUS_TYPES.get(status, "server_error" if status >= 500 else "bad_request")
            return kind, status, retry_after
        return "unknown", 0, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="OpenAI-compatible API base, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument("--exporter", required=True, help="bulwark serve's base URL, e.g. http://127.0.0.1:9464")
    parser.add_argument("--model", default="gpt-4o")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--token-env", help="environment variable holding the exporter's bearer token")
    args = parser.parse_args()
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        sys.exit("observed_openai: OPENAI_API_KEY is not set")
    poster = EventPoster(args.exporter, token=os.environ.get(args.token_env) if args.token_env else None)
    client = ObservedOpenAI(openai.OpenAI(api_key=key, base_url=args.base_url, max_retries=0, timeout=30), poster)
    answered = failed = 0
    for index in range(args.requests):
        try:
            client.chat(args.model, [{"role": "user", "content": f"Request {index}: say something short."}])
            answered += 1
        except Exception as error:  # noqa: BLE001 — the example reports and goes on
            failed += 1
            print(f"request {index} failed: {type(error).__name__}", file=sys.stderr)
    poster.close()
    print(json.dumps({"answered": answered, "failed": failed, "dropped_events": poster.dropped_events,
                      "rejected_batches": poster.rejected_batches}))


if __name__ == "__main__":
    main()
