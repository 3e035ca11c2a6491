import Bulwark

enum SSEFuzz {
    /// Feeds the input whole, then split at a point chosen by its first byte and byte by byte over its
    /// first 64 bytes: the events must be the same.
    static func run(_ input: [UInt8]) {
        let whole = events([input])
        guard let first = input.first else { return }
        let cut = Int(first) % (input.count + 1)
        require(events([Array(input[..<cut]), Array(input[cut...])]) == whole, "events depend on the split at \(cut)")
        let head = min(64, input.count)
        require(events(input[..<head].map { [$0] } + [Array(input[head...])]) == whole, "events depend on byte-by-byte feeding")
    }

    private static func events(_ chunks: [[UInt8]]) -> [SSEEvent] {
        var parser = SSEParser(maxEventBytes: 4_096)
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        return events + parser.finish()
    }
}
