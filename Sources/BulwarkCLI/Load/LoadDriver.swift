import Bulwark
import Foundation
import ServiceLifecycle
import Synchronization

/// Starts logical requests at a fixed rate (open loop: each has its own arrival time, whatever the
/// others do) for the run's duration, at most `concurrency` at once, and times each as its caller sees
/// it: from its arrival, so a wait for a free slot counts, until its answer, its failure, or the
/// caller's timeout (which cancels it). Graceful shutdown stops new arrivals; requests in flight finish.
final class LoadDriver: Service, Sendable {
    /// What the callers saw.
    struct CallerView: Sendable {
        var started = 0
        var finished = 0
        /// Requests the caller gave up on at `--caller-timeout-ms`.
        var callerTimeouts = 0
        /// Requests that waited for a free slot before starting.
        var waitedForSlot = 0
        var latency = LatencyHistogram()
        /// From the first arrival to the end of the last request, in seconds.
        var elapsedSeconds = 0.0
    }

    private let client: ResilientClient
    private let options: LoadOptions
    private let view = Mutex(CallerView())

    init(client: ResilientClient, options: LoadOptions) {
        self.client = client
        self.options = options
    }

    var callerView: CallerView { view.withLock { $0 } }

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let slots = LoadSlots(limit: options.concurrency)
        let stop = StopFlag()
        let interval = 1 / options.rate
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for index in 0..<options.plannedRequests {
                    let arrival = start + .seconds(interval * Double(index))
                    try? await clock.sleep(until: arrival)
                    if stop.isSet || Task.isCancelled { break }
                    let waited = await slots.acquire()
                    view.withLock { view in
                        view.started += 1
                        if waited { view.waitedForSlot += 1 }
                    }
                    let request = DemoPrompts.request(index)
                    let streams = DemoPrompts.streams(index, share: options.streamShare)
                    group.addTask {
                        let timedOut = await self.call(request, stream: streams, arrival: arrival, clock: clock)
                        let latency = arrival.duration(to: clock.now)
                        slots.release()
                        self.view.withLock { view in
                            view.finished += 1
                            if timedOut { view.callerTimeouts += 1 }
                            view.latency.record(milliseconds: Self.milliseconds(latency))
                        }
                    }
                }
            } onGracefulShutdown: {
                stop.set()
            }
        }
        let elapsed = Self.milliseconds(start.duration(to: clock.now)) / 1_000
        view.withLock { $0.elapsedSeconds = elapsed }
    }

    /// Runs one request until it ends or the caller's deadline passes; returns whether the caller gave up.
    private func call(_ request: ChatRequest, stream: Bool, arrival: ContinuousClock.Instant, clock: ContinuousClock) async
        -> Bool
    {
        guard let timeout = options.callerTimeout else {
            await perform(request, stream: stream)
            return false
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.perform(request, stream: stream)
                return false
            }
            group.addTask {
                do {
                    try await clock.sleep(until: arrival + timeout)
                    return true
                } catch {
                    return false
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Sends the request; its outcome reaches the summary through the client's recorder.
    private func perform(_ request: ChatRequest, stream: Bool) async {
        if stream {
            do {
                for try await _ in client.stream(request) {}
            } catch {}
        } else {
            _ = try? await client.complete(request)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }
}
