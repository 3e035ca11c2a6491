import Synchronization

/// A task executor that runs each job on the thread that enqueues it.
///
/// A task that reads a response body under a deadline (see ``withDeadline(_:clock:resumingInPlace:_:)``)
/// is resumed by the event-loop thread that received the bytes. Run there, it takes the bytes and
/// finishes in a few hundred nanoseconds; run on the global executor, it would cost a thread hop before
/// the one that resumes the waiting caller, on every response.
///
/// Jobs enqueued while one of our cancellations is in progress go to the global executor instead:
/// cancellation handlers run while the runtime holds the cancelled task's status lock, and a job of
/// that task run in place would wait for the lock its own thread holds.
final class ResumeInPlaceExecutor: TaskExecutor {
    static let shared = ResumeInPlaceExecutor()

    private let cancellationsInProgress = Atomic<Int>(0)

    func enqueue(_ job: consuming ExecutorJob) {
        if cancellationsInProgress.load(ordering: .acquiring) > 0 {
            globalConcurrentExecutor.enqueue(job)
        } else {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Cancels `task`, whose jobs may run on this executor.
    func cancel<Success: Sendable>(_ task: Task<Success, any Error>) {
        cancellationsInProgress.add(1, ordering: .acquiringAndReleasing)
        defer { cancellationsInProgress.subtract(1, ordering: .acquiringAndReleasing) }
        task.cancel()
    }
}
