import Synchronization

/// Whether the exporter is still replaying its logged alert windows; the server answers meanwhile.
final class ReplayProgress: Sendable {
    private let running = Atomic<Bool>(false)

    var isReplaying: Bool { running.load(ordering: .acquiring) }

    func begin() { running.store(true, ordering: .releasing) }

    func end() { running.store(false, ordering: .releasing) }
}
