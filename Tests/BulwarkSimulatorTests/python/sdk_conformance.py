#!/usr/bin/env python3
"""Points an official provider SDK at a running ProviderSimulator and checks that it behaves as it would
against the real API: a completion and a stream succeed with the right text and usage, and every
scripted fault raises the exception class and status the real API would cause.

The simulator plays sdk_scenario.yaml, whose rules are selected by model name (`fault-529`, …). A second
simulator with a 2-requests-per-window limit checks the real rate-limit enforcement.

    sdk_conformance.py --sdk openai --base-url http://127.0.0.1:PORT \
        --limited-base-url http://127.0.0.1:PORT2 --expect '{"text": …, "input_tokens": …, "output_tokens": …}'

Prints one JSON object: {"sdk": …, "results": [{"case": …, "ok": true|false, "detail": …}, …]}.
Exit status 3 means the SDK is not installed.
"""
import argparse
import json
import sys
import time
import urllib.request

PROMPT = "Say hello."


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def qualified(error):
    return f"{type(error).__module__}.{type(error).__name__}"


def expect_raises(expected, call, *, exact=True):
    """Runs `call`; returns the exception, which must be of class `expected` (exactly, by default)."""
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - the class is what is being checked
        matches = type(error) is expected if exact else isinstance(error, expected)
        check(matches, f"expected {expected.__module__}.{expected.__name__}, got {qualified(error)}: {error}")
        return error
    raise Failure(f"expected {expected.__module__}.{expected.__name__}, nothing was raised")


def stats(base_url):
    with urllib.request.urlopen(base_url + "/simulator/stats", timeout=5) as response:
        return json.load(response)


def count(snapshot, provider, status=None, fault=None):
    return sum(
        entry["count"]
        for entry in snapshot["counts"]
        if entry["provider"] == provider
        and (status is None or entry["status"] == status)
        and (fault is None or entry["fault"] == fault)
    )


# MARK: OpenAI


def openai_cases(args, expect):
    import httpx2  # noqa: F401 - fail early with exit 3 when the SDK's transport is missing
    import openai

    def client(key="sk-test-0123456789", base=args.base_url, **options):
        options.setdefault("max_retries", 0)
        return openai.OpenAI(api_key=key, base_url=base + "/v1", **options)

    messages = [{"role": "user", "content": PROMPT}]

    def completion():
        raw = client().chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
        result = raw.parse()
        check(result.choices[0].message.content == expect["text"], f"text {result.choices[0].message.content!r}")
        check(result.model == "gpt-4o-mini", f"model {result.model}")
        check(result.id.startswith("chatcmpl-"), f"id {result.id}")
        check(result.choices[0].finish_reason == "stop", f"finish {result.choices[0].finish_reason}")
        check(result.usage.prompt_tokens == expect["input_tokens"], f"prompt_tokens {result.usage.prompt_tokens}")
        check(result.usage.completion_tokens == expect["output_tokens"], f"completion_tokens {result.usage.completion_tokens}")
        check(result.usage.total_tokens == expect["input_tokens"] + expect["output_tokens"], "total_tokens")
        check(result._request_id and result._request_id.startswith("req_"), f"request id {result._request_id}")
        check(raw.headers.get("x-ratelimit-remaining-requests", "").isdigit(), "x-ratelimit-remaining-requests")

    def stream():
        text, usage, finish = "", None, None
        for chunk in client().chat.completions.create(
            model="gpt-4o-mini", messages=messages, stream=True, stream_options={"include_usage": True}
        ):
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
                finish = chunk.choices[0].finish_reason or finish
            if chunk.usage:
                usage = chunk.usage
        check(text == expect["text"], f"text {text!r}")
        check(finish == "stop", f"finish {finish}")
        check(usage is not None, "no usage chunk")
        check(usage.prompt_tokens == expect["input_tokens"], f"prompt_tokens {usage.prompt_tokens}")
        check(usage.completion_tokens == expect["output_tokens"], f"completion_tokens {usage.completion_tokens}")

    def status_case(model, exception, status, code=None, request_id=None, body_type=None):
        def run():
            error = expect_raises(
                exception, lambda: client().chat.completions.create(model=model, messages=messages)
            )
            check(error.status_code == status, f"status {error.status_code}")
            if code is not None:
                check(error.code == code, f"code {error.code!r}")
            if request_id is not None:
                check(error.request_id == request_id, f"request_id {error.request_id}")
            if body_type is not None:
                check(error.type == body_type, f"type {error.type!r}")

        return run

    def invalid_key():
        error = expect_raises(
            openai.AuthenticationError,
            lambda: client(key="sk-invalid-key").chat.completions.create(model="gpt-4o-mini", messages=messages),
        )
        check(error.status_code == 401 and error.code == "invalid_api_key", f"{error.status_code} {error.code}")

    def drain(model, **options):
        text = ""
        for chunk in client(**options).chat.completions.create(
            model=model, messages=messages, stream=True, stream_options={"include_usage": True}
        ):
            if chunk.choices:
                text += chunk.choices[0].delta.content or ""
        return text

    def mid_stream_error():
        error = expect_raises(openai.APIError, lambda: drain("fault-midstream"))
        check(not isinstance(error, openai.APIStatusError), "a mid-stream error is not an APIStatusError")
        check("The server had an error" in error.message, f"message {error.message!r}")

    def truncated():
        text = drain("fault-truncate")
        check(text and expect["text"].startswith(text) and text != expect["text"], f"text {text!r}")

    def reset():
        expect_raises(
            openai.APIConnectionError, lambda: client().chat.completions.create(model="fault-reset", messages=messages)
        )

    def reset_stream():
        expect_raises(openai.APIConnectionError, lambda: drain("fault-reset-stream"))

    def stall():
        started = time.monotonic()
        expect_raises(openai.APITimeoutError, lambda: drain("fault-stall", timeout=0.5))
        check(time.monotonic() - started < 2.5, "the timeout fired during the stall")

    def retried_then_ok():
        before = stats(args.base_url)
        result = client(max_retries=2).chat.completions.create(model="fault-retry-then-ok", messages=messages)
        check(result.choices[0].message.content == expect["text"], "text after retries")
        after = stats(args.base_url)
        check(count(after, "openai", 500) - count(before, "openai", 500) == 2, "two 500 attempts counted")
        check(count(after, "openai", 200, "none") - count(before, "openai", 200, "none") == 1, "one success counted")

    def retries_exhausted():
        before = stats(args.base_url)
        error = expect_raises(
            openai.InternalServerError,
            lambda: client(max_retries=2).chat.completions.create(model="fault-retry-exhausted", messages=messages),
        )
        check(error.status_code == 503, f"status {error.status_code}")
        after = stats(args.base_url)
        attempts = count(after, "openai", 503) - count(before, "openai", 503)
        check(attempts == 3, f"{attempts} attempts counted, expected 3 (max_retries=2)")

    def rate_limited():
        limited = client(base=args.limited_base_url)
        for _ in range(2):
            limited.chat.completions.create(model="gpt-4o-mini", messages=messages)
        error = expect_raises(
            openai.RateLimitError, lambda: limited.chat.completions.create(model="gpt-4o-mini", messages=messages)
        )
        headers = error.response.headers
        check(error.code == "rate_limit_exceeded" and error.type == "requests", f"{error.code} {error.type}")
        check(headers.get("x-ratelimit-remaining-requests") == "0", "remaining requests header")
        check(headers.get("x-ratelimit-limit-requests") == "2", "limit requests header")
        check(int(headers.get("retry-after", "0")) >= 1, f"retry-after {headers.get('retry-after')}")
        check(error.request_id and error.request_id.startswith("req_"), "request id")

    return [
        ("completion", completion),
        ("stream", stream),
        ("400 → BadRequestError", status_case("fault-400", openai.BadRequestError, 400, code="invalid_value")),
        ("401 invalid key → AuthenticationError", invalid_key),
        ("403 → PermissionDeniedError", status_case("fault-403", openai.PermissionDeniedError, 403)),
        ("404 → NotFoundError", status_case("fault-404", openai.NotFoundError, 404, code="model_not_found")),
        ("408 → APIStatusError", status_case("fault-408", openai.APIStatusError, 408)),
        ("409 → ConflictError", status_case("fault-409", openai.ConflictError, 409)),
        ("422 → UnprocessableEntityError", status_case("fault-422", openai.UnprocessableEntityError, 422)),
        (
            "429 → RateLimitError",
            status_case(
                "fault-429", openai.RateLimitError, 429, code="rate_limit_exceeded",
                request_id="req_1b2c3d4e5f60718293a4b5c6d7e8f901", body_type="tokens",
            ),
        ),
        ("429 requests → RateLimitError", status_case("fault-429-requests", openai.RateLimitError, 429, body_type="requests")),
        (
            "429 insufficient_quota → RateLimitError",
            status_case("fault-429-insufficient_quota", openai.RateLimitError, 429, code="insufficient_quota"),
        ),
        ("500 → InternalServerError", status_case("fault-500", openai.InternalServerError, 500, body_type="server_error")),
        ("502 JSON → InternalServerError", status_case("fault-502", openai.InternalServerError, 502, body_type="cf_bad_gateway")),
        ("502 HTML → InternalServerError", status_case("fault-502-html", openai.InternalServerError, 502, code=None)),
        ("503 → InternalServerError", status_case("fault-503", openai.InternalServerError, 503, code="server_is_overloaded")),
        ("504 HTML → InternalServerError", status_case("fault-504", openai.InternalServerError, 504)),
        ("529 → InternalServerError", status_case("fault-529", openai.InternalServerError, 529)),
        ("mid-stream error → APIError", mid_stream_error),
        ("truncated stream → no exception", truncated),
        ("reset → APIConnectionError", reset),
        ("reset mid-stream → APIConnectionError", reset_stream),
        ("stall → APITimeoutError", stall),
        ("500, 500, 200 with retries → success after 3 attempts", retried_then_ok),
        ("503 with max_retries=2 → 3 attempts", retries_exhausted),
        ("RPM limit → RateLimitError with headers", rate_limited),
    ]


# MARK: Anthropic


def anthropic_cases(args, expect):
    import anthropic
    import httpx2

    def client(key="sk-ant-test-0123456789", base=args.base_url, **options):
        options.setdefault("max_retries", 0)
        return anthropic.Anthropic(api_key=key, base_url=base, **options)

    messages = [{"role": "user", "content": PROMPT}]

    def create(model="claude-sonnet-4-6", **options):
        return client(**options).messages.create(model=model, max_tokens=1024, messages=messages)

    def completion():
        raw = client().messages.with_raw_response.create(model="claude-sonnet-4-6", max_tokens=1024, messages=messages)
        result = raw.parse()
        check(result.content[0].text == expect["text"], f"text {result.content[0].text!r}")
        check(result.model == "claude-sonnet-4-6", f"model {result.model}")
        check(result.stop_reason == "end_turn", f"stop_reason {result.stop_reason}")
        check(result.usage.input_tokens == expect["input_tokens"], f"input_tokens {result.usage.input_tokens}")
        check(result.usage.output_tokens == expect["output_tokens"], f"output_tokens {result.usage.output_tokens}")
        check(result._request_id and result._request_id.startswith("req_011C"), f"request id {result._request_id}")
        check(raw.headers.get("anthropic-ratelimit-requests-remaining", "").isdigit(), "ratelimit headers")

    def stream():
        with client().messages.stream(model="claude-sonnet-4-6", max_tokens=1024, messages=messages) as events:
            text = "".join(events.text_stream)
            final = events.get_final_message()
        check(text == expect["text"], f"text {text!r}")
        check(final.stop_reason == "end_turn", f"stop_reason {final.stop_reason}")
        check(final.usage.input_tokens == expect["input_tokens"], f"input_tokens {final.usage.input_tokens}")
        check(final.usage.output_tokens == expect["output_tokens"], f"output_tokens {final.usage.output_tokens}")

    def status_case(model, exception, status, error_type=None, request_id=None):
        def run():
            error = expect_raises(exception, lambda: create(model))
            check(error.status_code == status, f"status {error.status_code}")
            if error_type is not None:
                body_type = (error.body or {}).get("error", {}).get("type") if isinstance(error.body, dict) else None
                check(body_type == error_type, f"error.type {body_type!r}")
            if request_id is not None:
                check(error.request_id == request_id, f"request_id {error.request_id}")

        return run

    def invalid_key():
        error = expect_raises(anthropic.AuthenticationError, lambda: create(key="sk-ant-invalid-key"))
        check(error.status_code == 401, f"status {error.status_code}")

    def drain(model, **options):
        with client(**options).messages.stream(model=model, max_tokens=1024, messages=messages) as events:
            text = "".join(events.text_stream)
            return text, events.get_final_message()

    def mid_stream_error():
        error = expect_raises(anthropic.APIStatusError, lambda: drain("fault-midstream"))
        check(error.status_code == 200, f"status {error.status_code}")
        check("Overloaded" in str(error), f"message {error}")

    def truncated():
        text, final = drain("fault-truncate")
        check(text and expect["text"].startswith(text) and text != expect["text"], f"text {text!r}")
        check(final.stop_reason is None, f"stop_reason {final.stop_reason}")

    def reset():
        expect_raises(anthropic.APIConnectionError, lambda: create("fault-reset"))

    def reset_stream():
        expect_raises(httpx2.RemoteProtocolError, lambda: drain("fault-reset-stream"))

    def retried_then_ok():
        before = stats(args.base_url)
        result = create("fault-retry-then-ok", max_retries=2)
        check(result.content[0].text == expect["text"], "text after retries")
        after = stats(args.base_url)
        check(count(after, "anthropic", 529) - count(before, "anthropic", 529) == 2, "two 529 attempts counted")

    def rate_limited():
        for _ in range(2):
            create(base=args.limited_base_url)
        error = expect_raises(anthropic.RateLimitError, lambda: create(base=args.limited_base_url))
        headers = error.response.headers
        check(headers.get("anthropic-ratelimit-requests-remaining") == "0", "remaining requests header")
        check(headers.get("anthropic-ratelimit-requests-limit") == "2", "limit requests header")
        check(int(headers.get("retry-after", "0")) >= 1, f"retry-after {headers.get('retry-after')}")
        check(error.request_id and error.request_id.startswith("req_011C"), "request id")

    return [
        ("completion", completion),
        ("stream", stream),
        ("400 → BadRequestError", status_case("fault-400", anthropic.BadRequestError, 400, "invalid_request_error")),
        ("401 invalid key → AuthenticationError", invalid_key),
        ("402 → PaymentRequiredError", status_case("fault-402", anthropic.PaymentRequiredError, 402, "billing_error")),
        ("403 → PermissionDeniedError", status_case("fault-403", anthropic.PermissionDeniedError, 403)),
        ("404 → NotFoundError", status_case("fault-404", anthropic.NotFoundError, 404, "not_found_error")),
        ("408 → RequestTimeoutError", status_case("fault-408", anthropic.RequestTimeoutError, 408)),
        ("409 → ConflictError", status_case("fault-409", anthropic.ConflictError, 409, "conflict_error")),
        ("413 → ContentTooLargeError", status_case("fault-413", anthropic.ContentTooLargeError, 413)),
        (
            "429 → RateLimitError",
            status_case(
                "fault-429", anthropic.RateLimitError, 429, "rate_limit_error", request_id="req_011CSHoK5qUwBfA3x7X4bZsE"
            ),
        ),
        (
            "429 enforced_spend_limit_reached → EnforcedSpendLimitReachedError",
            status_case("fault-429-enforced_spend_limit_reached", anthropic.EnforcedSpendLimitReachedError, 429),
        ),
        ("500 → InternalServerError", status_case("fault-500", anthropic.InternalServerError, 500, "api_error")),
        ("502 HTML → InternalServerError", status_case("fault-502-html", anthropic.InternalServerError, 502)),
        ("503 → ServiceUnavailableError", status_case("fault-503", anthropic.ServiceUnavailableError, 503)),
        ("504 → GatewayTimeoutError", status_case("fault-504", anthropic.GatewayTimeoutError, 504, "timeout_error")),
        ("504 HTML → GatewayTimeoutError", status_case("fault-504-html", anthropic.GatewayTimeoutError, 504)),
        ("529 → OverloadedError", status_case("fault-529", anthropic.OverloadedError, 529, "overloaded_error")),
        ("mid-stream error → APIStatusError 200", mid_stream_error),
        ("truncated stream → no exception, no stop_reason", truncated),
        ("reset → APIConnectionError", reset),
        ("reset mid-stream → httpx2.RemoteProtocolError", reset_stream),
        ("529, 529, 200 with retries → success after 3 attempts", retried_then_ok),
        ("RPM limit → RateLimitError with headers", rate_limited),
    ]


# MARK: Google


def google_cases(args, expect):
    import httpx2
    from google import genai
    from google.genai import errors, types

    def client(key="AIzaSy-test-0123456789", base=args.base_url, version=None, **options):
        http_options = types.HttpOptions(base_url=base, api_version=version, **options)
        return genai.Client(api_key=key, http_options=http_options)

    # A genai.Client closes its transport when collected: keep it referenced for the whole call.
    def generate(model="gemini-2.5-flash", **options):
        sdk = client(**options)
        return sdk.models.generate_content(model=model, contents=PROMPT)

    def completion():
        for version in (None, "v1beta"):
            result = generate(version=version)
            check(result.text == expect["text"], f"text {result.text!r} ({version or 'v1'})")
            usage = result.usage_metadata
            check(usage.prompt_token_count == expect["input_tokens"], f"prompt tokens {usage.prompt_token_count}")
            check(usage.candidates_token_count == expect["output_tokens"], f"candidates {usage.candidates_token_count}")
            check(usage.total_token_count == expect["input_tokens"] + expect["output_tokens"], "total tokens")
            check(result.candidates[0].finish_reason == types.FinishReason.STOP, "finish reason")
            check(result.model_version == "gemini-2.5-flash", f"model version {result.model_version}")

    def stream():
        sdk = client()
        chunks = list(sdk.models.generate_content_stream(model="gemini-2.5-flash", contents=PROMPT))
        text = "".join(chunk.text or "" for chunk in chunks)
        check(text == expect["text"], f"text {text!r}")
        usage = chunks[-1].usage_metadata
        check(usage.candidates_token_count == expect["output_tokens"], f"candidates {usage.candidates_token_count}")
        check(chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP, "finish reason")

    def status_case(model, exception, status, rpc_status=None):
        def run():
            error = expect_raises(exception, lambda: generate(model))
            check(error.code == status, f"code {error.code}")
            if rpc_status is not None:
                check(error.status == rpc_status, f"status {error.status!r}")

        return run

    def invalid_key():
        error = expect_raises(errors.ClientError, lambda: generate(key="AIza-invalid-key"))
        check(error.code == 400 and error.status == "INVALID_ARGUMENT", f"{error.code} {error.status}")
        check("API_KEY_INVALID" in json.dumps(error.details), "reason API_KEY_INVALID")

    def drain(model):
        sdk = client()
        return list(sdk.models.generate_content_stream(model=model, contents=PROMPT))

    def mid_stream_error():
        error = expect_raises(errors.ServerError, lambda: drain("fault-midstream"))
        check(error.code == 503 and error.status == "UNAVAILABLE", f"{error.code} {error.status}")

    def truncated():
        chunks = drain("fault-truncate")
        text = "".join(chunk.text or "" for chunk in chunks)
        check(text and expect["text"].startswith(text) and text != expect["text"], f"text {text!r}")
        check(chunks[-1].candidates[0].finish_reason is None, "no finish reason")

    def reset():
        expect_raises(httpx2.RemoteProtocolError, lambda: generate("fault-reset"))

    def retried_then_ok():
        before = stats(args.base_url)
        retry = types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.05, jitter=0)
        result = generate("fault-retry-then-ok", retry_options=retry)
        check(result.text == expect["text"], "text after retries")
        after = stats(args.base_url)
        check(count(after, "google", 503) - count(before, "google", 503) == 2, "two 503 attempts counted")

    def rate_limited():
        for _ in range(2):
            generate(base=args.limited_base_url)
        error = expect_raises(errors.ClientError, lambda: generate(base=args.limited_base_url))
        check(error.code == 429 and error.status == "RESOURCE_EXHAUSTED", f"{error.code} {error.status}")
        check("google.rpc.RetryInfo" in json.dumps(error.details), "RetryInfo detail")

    return [
        ("completion (v1 and v1beta)", completion),
        ("stream", stream),
        ("400 → ClientError", status_case("fault-400", errors.ClientError, 400, "INVALID_ARGUMENT")),
        ("400 invalid key → ClientError API_KEY_INVALID", invalid_key),
        (
            "400 FAILED_PRECONDITION → ClientError",
            status_case("fault-400-failed_precondition", errors.ClientError, 400, "FAILED_PRECONDITION"),
        ),
        ("401 → ClientError", status_case("fault-401", errors.ClientError, 401, "UNAUTHENTICATED")),
        ("403 → ClientError", status_case("fault-403", errors.ClientError, 403, "PERMISSION_DENIED")),
        ("404 → ClientError", status_case("fault-404", errors.ClientError, 404, "NOT_FOUND")),
        ("429 → ClientError", status_case("fault-429", errors.ClientError, 429, "RESOURCE_EXHAUSTED")),
        ("500 → ServerError", status_case("fault-500", errors.ServerError, 500, "INTERNAL")),
        ("502 HTML → ServerError", status_case("fault-502-html", errors.ServerError, 502)),
        ("503 → ServerError", status_case("fault-503", errors.ServerError, 503, "UNAVAILABLE")),
        ("504 → ServerError", status_case("fault-504", errors.ServerError, 504, "DEADLINE_EXCEEDED")),
        ("529 → ServerError", status_case("fault-529", errors.ServerError, 529)),
        ("mid-stream error → ServerError 503", mid_stream_error),
        ("truncated stream → no exception, no finish reason", truncated),
        ("reset → httpx2.RemoteProtocolError", reset),
        ("503, 503, 200 with HttpRetryOptions → success after 3 attempts", retried_then_ok),
        ("RPM limit → ClientError 429 RESOURCE_EXHAUSTED", rate_limited),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk", required=True, choices=["openai", "anthropic", "google"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--limited-base-url", required=True)
    parser.add_argument("--expect", required=True, help="JSON: text, input_tokens, output_tokens")
    args = parser.parse_args()
    expect = json.loads(args.expect)
    builders = {"openai": openai_cases, "anthropic": anthropic_cases, "google": google_cases}
    try:
        cases = builders[args.sdk](args, expect)
    except ImportError as error:
        print(json.dumps({"sdk": args.sdk, "missing": str(error)}))
        sys.exit(3)
    results = []
    for name, run in cases:
        started = time.monotonic()
        try:
            run()
            results.append({"case": name, "ok": True})
        except BaseException as error:  # noqa: BLE001 - every failure is reported, none stops the run
            results.append({"case": name, "ok": False, "detail": f"{qualified(error)}: {error}"[:800]})
        results[-1]["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps({"sdk": args.sdk, "results": results}))


if __name__ == "__main__":
    main()
