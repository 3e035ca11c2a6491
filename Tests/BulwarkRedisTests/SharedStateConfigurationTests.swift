import Bulwark
import BulwarkRedis
import Testing

/// `shared_state:` in bulwark.yaml and the store built from it.
@Suite struct SharedStateConfigurationTests {
    private let providers = "providers:\n  - {name: openai, model: gpt-4o}\n"

    @Test func readsTheSectionWithItsDefaults() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: providers + #"shared_state: {redis_url: "redis://10.0.0.5:6380/2"}"#)
        #expect(configuration.sharedState == SharedStateConfiguration(redisURL: "redis://10.0.0.5:6380/2", keyPrefix: "bulwark:", timeoutMs: 20))
        let tuned = try BulwarkConfiguration.parse(
            yaml: providers + #"shared_state: {redis_url: "redis://h:1/0", key_prefix: "svc-a:", timeout_ms: 5}"#)
        #expect(tuned.sharedState?.keyPrefix == "svc-a:")
        #expect(tuned.sharedState?.timeoutMs == 5)
        #expect(try BulwarkConfiguration.parse(yaml: providers).sharedState == nil)
    }

    @Test func namesEveryProblemWithoutRepeatingThePassword() {
        let error = #expect(throws: ConfigurationError.self) {
            try BulwarkConfiguration.parse(yaml: providers + #"shared_state: {redis_url: "http://u:hunter2@h:1", timeout_ms: 0, ttl: 3}"#)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("shared_state.redis_url"))
        #expect(text.contains("shared_state.timeout_ms"))
        #expect(text.contains("shared_state.ttl"))
        #expect(!text.contains("hunter2"))
        #expect(throws: ConfigurationError.self) { try BulwarkConfiguration.parse(yaml: providers + "shared_state: {key_prefix: x}") }
    }

    @Test func theStoreRefusesTLSURLs() {
        let error = #expect(throws: RedisError.self) {
            try RedisSharedStateStore(configuration: SharedStateConfiguration(redisURL: "rediss://:pw@h:6380/0"))
        }
        #expect(error?.kind == .configuration)
    }
}
