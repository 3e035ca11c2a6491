import BulwarkCore
import BulwarkMetrics
import Testing

/// The handler cache and the label caps: handlers are made once per series, and nothing grows without bound.
@Suite struct SeriesBoundsTests {
    static func attempt(model: String, status: Int = 200) -> APICallMetric {
        APICallMetric(timestamp: 1, provider: "openai", model: model, statusCode: status, latencyMs: 10,
            errorType: status == 200 ? nil : .serverError)
    }

    @Test func makesEachHandlerOnceAndReusesIt() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory)
        recorder.record(Self.attempt(model: "a"))
        let afterFirst = fixture.factory.handlersMade
        #expect(afterFirst == 4)  // calls, duration, input tokens, output tokens
        for _ in 0..<500 { recorder.record(Self.attempt(model: "a")) }
        #expect(fixture.factory.handlersMade == afterFirst)
        #expect(recorder.cachedSeriesCount == 4)
        #expect(fixture.lines(of: "llm_api_calls_total") == [
            #"llm_api_calls_total{provider="openai",model="a",status_code="200",error_type="none"} 501"#,
        ])
    }

    @Test func foldsModelsPastTheCapIntoOtherAndCountsThem() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(
            naming: .bulwark, factory: fixture.factory, limits: .init(maxProviders: 4, maxModels: 2))
        for model in ["a", "b", "c", "d", "a"] { recorder.record(Self.attempt(model: model)) }
        #expect(recorder.foldedLabelValueCount == 2)
        #expect(fixture.lines(of: "llm_api_calls_total").sorted() == [
            #"llm_api_calls_total{provider="openai",model="a",status_code="200",error_type="none"} 2"#,
            #"llm_api_calls_total{provider="openai",model="b",status_code="200",error_type="none"} 1"#,
            #"llm_api_calls_total{provider="openai",model="other",status_code="200",error_type="none"} 2"#,
        ])
    }

    @Test func stopsCachingPastTheSeriesLimitButStillEmitsEveryEvent() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory, limits: .init(maxSeries: 4))
        recorder.record(Self.attempt(model: "a"))
        recorder.record(Self.attempt(model: "a", status: 500))
        recorder.record(Self.attempt(model: "a", status: 500))
        #expect(recorder.cachedSeriesCount == 4)
        #expect(recorder.uncachedSeriesCount == 2)
        #expect(fixture.lines(of: "llm_api_calls_total").sorted() == [
            #"llm_api_calls_total{provider="openai",model="a",status_code="200",error_type="none"} 1"#,
            #"llm_api_calls_total{provider="openai",model="a",status_code="500",error_type="server_error"} 2"#,
        ])
    }

    @Test func addsSeriesAnEarlierAttemptOfTheSameKindDidNotNeed() {
        let fixture = PrometheusFixture()
        let recorder = SwiftMetricsRecorder(naming: .bulwark, factory: fixture.factory)
        recorder.record(Self.attempt(model: "a"))
        var retry = Self.attempt(model: "a")
        retry.isRetry = true
        retry.timeToFirstTokenMs = 120
        retry.costUSD = 0.5
        recorder.record(retry)
        recorder.record(retry)
        #expect(recorder.cachedSeriesCount == 7)
        #expect(fixture.lines(of: "llm_api_retries_total") == [#"llm_api_retries_total{provider="openai",model="a"} 2"#])
        #expect(fixture.lines(of: "llm_api_cost_usd_total") == [#"llm_api_cost_usd_total{provider="openai",model="a"} 1.0"#])
        #expect(fixture.lines(of: "llm_api_time_to_first_token_seconds_count") == [
            #"llm_api_time_to_first_token_seconds_count{provider="openai",model="a"} 2"#,
        ])
        #expect(fixture.lines(of: "llm_api_call_duration_seconds_count") == [
            #"llm_api_call_duration_seconds_count{provider="openai",model="a"} 3"#,
        ])
    }
}
