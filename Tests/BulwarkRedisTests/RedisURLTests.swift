import BulwarkRedis
import Testing

@Suite struct RedisURLTests {
    @Test func parsesHostPortDatabaseAndCredentials() throws {
        let url = try RedisURL(parsing: "redis://app:s3cr%40t@cache.internal:6380/4")
        #expect(url.host == "cache.internal")
        #expect(url.port == 6380)
        #expect(url.user == "app")
        #expect(url.password == "s3cr@t")
        #expect(url.database == 4)
    }

    @Test func defaultsToPort6379AndDatabase0() throws {
        let url = try RedisURL(parsing: "redis://127.0.0.1")
        #expect(url.port == 6379)
        #expect(url.database == 0)
        #expect(url.password == nil)
        let passwordOnly = try RedisURL(parsing: "redis://:pw@localhost:7000/")
        #expect(passwordOnly.user == nil)
        #expect(passwordOnly.password == "pw")
    }

    @Test func descriptionHidesThePassword() throws {
        let url = try RedisURL(parsing: "redis://app:hunter2@host:1/2")
        #expect(!url.description.contains("hunter2"))
        #expect(url.description == "redis://app:***@host:1/2")
    }

    @Test func refusesTLSWithAClearMessage() {
        let error = #expect(throws: RedisError.self) { try RedisURL(parsing: "rediss://u:topsecret@host:6380/0") }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("rediss://") && text.contains("TLS"))
        #expect(!text.contains("topsecret"))
    }

    @Test func refusesMalformedURLs() {
        for text in ["http://host:6379", "redis://host:99999", "redis://host/notanumber", "host:6379", "redis://:pw@/0"] {
            #expect(throws: RedisError.self, "\(text)") { try RedisURL(parsing: text) }
        }
    }
}
