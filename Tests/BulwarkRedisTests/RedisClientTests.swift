import BulwarkRedis
import BulwarkTestSupport
import Foundation
import Testing

/// The hiredis client against a real `redis-server`.
@Suite(.enabled(if: Tools.canRun(.redisServer)), .serialized) struct RedisClientTests {
    private func connected(_ server: RedisServerProcess, timeoutMs: Int = 200, url: String? = nil) async throws -> RedisClient {
        let client = RedisClient(url: try RedisURL(parsing: url ?? server.url), timeoutMs: timeoutMs)
        #expect(await eventually { client.isAvailable }, "the pool connected")
        return client
    }

    @Test func commandsRoundTrip() async throws {
        let server = try await RedisServerProcess()
        let client = try await connected(server)
        defer { client.shutdown() }
        #expect(try await client.command(["SET", "k", "v"]) == .status("OK"))
        #expect(try await client.command(["GET", "k"]).text == "v")
        #expect(try await client.command(["INCRBY", "n", "41"]).integer == 41)
        #expect(try await client.command(["GET", "missing"]) == .null)
        if case .error(let message) = try await client.command(["NOSUCHCOMMAND"]) {
            #expect(message.contains("unknown command"))
        } else {
            Issue.record("expected an error reply")
        }
        // An error reply leaves the connection usable.
        #expect(try await client.command(["GET", "k"]).text == "v")
    }

    @Test func scriptsRunWithEvalshaAndReloadAfterNoscript() async throws {
        let server = try await RedisServerProcess()
        let client = try await connected(server)
        defer { client.shutdown() }
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await client.run(script, keys: ["s"], arguments: ["2"]).integer == 2)
        _ = try await client.command(["SCRIPT", "FLUSH"])
        #expect(try await client.run(script, keys: ["s"], arguments: ["3"]).integer == 5)
        let info = try await client.command(["INFO", "commandstats"]).text ?? ""
        #expect(info.contains("cmdstat_evalsha"), "scripts run by digest")
        #expect(!info.contains("cmdstat_eval:"), "never by source")
    }

    @Test func logsInAndSelectsTheDatabase() async throws {
        let server = try await RedisServerProcess(arguments: ["--requirepass", "pa:ss@word"])
        let client = try await connected(server, url: "redis://:pa%3Ass%40word@127.0.0.1:\(server.port)/3")
        defer { client.shutdown() }
        _ = try await client.command(["SET", "in3", "yes"])
        let other = try await connected(server, url: "redis://:pa%3Ass%40word@127.0.0.1:\(server.port)/0")
        defer { other.shutdown() }
        let third = try await connected(server, url: "redis://:pa%3Ass%40word@127.0.0.1:\(server.port)/3")
        defer { third.shutdown() }
        for _ in 0..<4 {
            // Every connection of each pool is in its database.
            #expect(try await other.command(["GET", "in3"]) == .null)
            #expect(try await third.command(["GET", "in3"]).text == "yes")
        }
        // A wrong password never connects, and the error does not repeat it.
        let wrong = RedisClient(url: try RedisURL(parsing: "redis://:nope-secret@127.0.0.1:\(server.port)/0"), timeoutMs: 200)
        defer { wrong.shutdown() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!wrong.isAvailable)
        let error = await #expect(throws: RedisError.self) { _ = try await wrong.command(["PING"]) }
        #expect(error?.kind == .unavailable)
        #expect(!"\(String(describing: error))".contains("nope-secret"))
    }

    @Test func aSlowServerTimesOutWithinTheTimeoutAndTheClientReconnects() async throws {
        let server = try await RedisServerProcess()
        let client = try await connected(server, timeoutMs: 30)
        let sleeper = try await connected(server, timeoutMs: 5_000)
        defer { client.shutdown(); sleeper.shutdown() }
        let blocked = Task { try await sleeper.command(["DEBUG", "SLEEP", "2"]) }
        // PING until the server is asleep: the first PING that fails must fail within the timeout, not
        // after the 2 s sleep.
        var failure: (error: any Error, after: Duration)?
        let giveUp = ContinuousClock.now + .seconds(1.5)
        while failure == nil, ContinuousClock.now < giveUp {
            let start = ContinuousClock.now
            do {
                _ = try await client.command(["PING"])
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                failure = (error, ContinuousClock.now - start)
            }
        }
        #expect((failure?.error as? RedisError)?.kind == .timeout, "\(String(describing: failure))")
        #expect(failure.map { $0.after < .milliseconds(300) } == true, "gave up after \(String(describing: failure?.after))")
        _ = try await blocked.value
        #expect(await eventually { (try? await client.command(["PING"])) == .status("PONG") }, "reconnected")
    }

    @Test func aKilledServerFailsAtOnceAndTheClientReconnectsAfterRestart() async throws {
        let server = try await RedisServerProcess()
        let client = try await connected(server, timeoutMs: 50)
        defer { client.shutdown() }
        await server.kill()
        #expect(await eventually { (try? await client.command(["PING"])) == nil && !client.isAvailable })
        let start = ContinuousClock.now
        let error = await #expect(throws: RedisError.self) { _ = try await client.command(["PING"]) }
        #expect(error?.kind == .unavailable)
        #expect(ContinuousClock.now - start < .milliseconds(50), "no wait while the connection is down")
        try await server.start()
        #expect(await eventually { (try? await client.command(["PING"])) == .status("PONG") }, "reconnected in the background")
    }
}
