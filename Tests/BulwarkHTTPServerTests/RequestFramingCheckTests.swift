import Testing
@testable import BulwarkHTTPServer

/// Our framing checks alone, without libmicrohttpd's own in front of them.
@Suite struct RequestFramingCheckTests {
    private func check(_ pairs: [(String, String)]) -> RequestFramingCheck.Outcome {
        RequestFramingCheck.check(HTTPHeaders(pairs))
    }

    @Test func acceptsOrdinaryFraming() {
        #expect(check([]) == .proceed(declaredLength: nil))
        #expect(check([("Content-Length", "12")]) == .proceed(declaredLength: 12))
        #expect(check([("content-length", " 12 "), ("Content-Length", "12")]) == .proceed(declaredLength: 12))
        #expect(check([("Transfer-Encoding", "Chunked")]) == .proceed(declaredLength: nil))
    }

    @Test(arguments: [
        ([("Content-Length", "3"), ("Content-Length", "4")], 400),
        ([("Content-Length ", "3")], 400),
        ([("X Bad", "1")], 400),
        ([("X:Bad", "1")], 400),
        ([("", "1")], 400),
        ([("Content-Length", "+3")], 400),
        ([("Content-Length", "3, 3")], 400),
        ([("Content-Length", "")], 400),
        ([("Content-Length", "9223372036854775808")], 413),
        ([("Content-Length", "99999999999999999999999999")], 413),
        ([("Transfer-Encoding", "gzip")], 501),
        ([("Transfer-Encoding", "chunked, gzip")], 501),
        ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")], 501),
        ([("Transfer-Encoding", "chunked"), ("Content-Length", "3")], 400),
    ])
    func refuses(headers: [(String, String)], status: Int) {
        guard case .reject(let given, _) = check(headers) else {
            Issue.record("\(headers) was accepted")
            return
        }
        #expect(given == status)
    }
}

/// The shared body budget: reservations past the limit are refused and counted, releases give room back.
@Suite struct BodyBudgetUnitTests {
    @Test func refusesPastTheLimitAndCountsIt() {
        let budget = BodyBudget(limit: 100)
        #expect(budget.reserve(60))
        #expect(!budget.reserve(41))
        #expect(budget.reserve(40))
        #expect(!budget.reserve(1))
        #expect(budget.inFlight == 100)
        #expect(budget.refusedCount == 2)
        budget.release(60)
        #expect(budget.reserve(60))
        #expect(budget.reserve(0))
        #expect(budget.inFlight == 100)
    }

    @Test func holdsUnderContention() async {
        let budget = BodyBudget(limit: 1000)
        let granted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask { (0..<100).reduce(0) { count, _ in count + (budget.reserve(7) ? 1 : 0) } }
            }
            return await group.reduce(0, +)
        }
        #expect(granted == 1000 / 7)
        #expect(budget.inFlight == granted * 7)
    }
}
