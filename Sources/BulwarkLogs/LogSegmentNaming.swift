import BulwarkCore
/// The names of the files in a log directory.
///
/// - `api-calls.jsonl`: the active segment, plain JSON lines (what Promtail or Alloy tail);
/// - `api-calls-20261124T191434.123Z.jsonl`: a sealed segment not compressed yet;
/// - `api-calls-20261124T191434.123Z.jsonl.gz`: a sealed, compressed segment;
/// - `api-calls-20261124T191434.123Z.jsonl.gz.tmp`: a compression in progress;
/// - `.api-calls.lock`: held by the sink writing the directory.
///
/// The UTC time is when the segment was sealed. Each seal's time is at least a millisecond after
/// the newest name in the directory (advanced when two seals fall in one millisecond or the clock
/// went back), so names are unique and sort chronologically as plain text (`ls`, `zcat api-calls-*`).
enum LogSegmentNaming {
    static let activeName = "api-calls.jsonl"
    static let lockName = ".api-calls.lock"
    static let prefix = "api-calls-"
    static let plainSuffix = ".jsonl"
    static let compressedSuffix = ".jsonl.gz"
    static let partialSuffix = ".jsonl.gz.tmp"

    enum FileKind: Equatable {
        case active
        case plain(SegmentKey)
        case compressed(SegmentKey)
        case partial(SegmentKey)
    }

    static func classify(_ name: String) -> FileKind? {
        if name == activeName { return .active }
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        if rest.hasSuffix(partialSuffix) {
            return SegmentKey(stamp: rest.dropLast(partialSuffix.count)).map(FileKind.partial)
        }
        if rest.hasSuffix(compressedSuffix) {
            return SegmentKey(stamp: rest.dropLast(compressedSuffix.count)).map(FileKind.compressed)
        }
        if rest.hasSuffix(plainSuffix) {
            return SegmentKey(stamp: rest.dropLast(plainSuffix.count)).map(FileKind.plain)
        }
        return nil
    }

    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// The sealing time, in whole milliseconds, that names a sealed segment.
struct SegmentKey: Hashable, Comparable {
    var milliseconds: Int64

    /// `20261124T191434.123Z`.
    var stamp: String { UTCStamp.format(milliseconds: milliseconds) }
    var name: String { LogSegmentNaming.prefix + stamp }
    var plainName: String { name + LogSegmentNaming.plainSuffix }
    var compressedName: String { name + LogSegmentNaming.compressedSuffix }
    var partialName: String { name + LogSegmentNaming.partialSuffix }

    /// Unix seconds.
    var time: Double { Double(milliseconds) / 1000 }

    init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// Parses `20261124T191434.123Z`.
    init?(stamp: some StringProtocol) {
        guard let milliseconds = UTCStamp.parse(stamp), UTCStamp.format(milliseconds: milliseconds) == stamp
        else { return nil }
        self.milliseconds = milliseconds
    }

    /// The key for a seal at Unix time `time`: that millisecond, or the one after `previous`.
    static func next(at time: Double, after previous: SegmentKey?) -> SegmentKey {
        let now = UTCStamp.milliseconds(time)
        guard let previous, now <= previous.milliseconds else { return SegmentKey(milliseconds: now) }
        return SegmentKey(milliseconds: previous.milliseconds + 1)
    }

    static func < (lhs: SegmentKey, rhs: SegmentKey) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }
}

/// UTC times as `YYYYMMDDTHHMMSS.mmmZ`, which sort as text in time order.
enum UTCStamp {
    static let length = 20

    /// The latest time with a four-digit year.
    private static let maxMilliseconds: Int64 = 253_402_300_799_999

    /// Whole milliseconds of Unix time `time`, within the years 1970 to 9999.
    static func milliseconds(_ time: Double) -> Int64 {
        guard time.isFinite, time > 0 else { return 0 }
        return min(Int64(min(time * 1000, 3e14).rounded(.down)), maxMilliseconds)
    }

    static func format(_ time: Double) -> String {
        format(milliseconds: milliseconds(time))
    }

    static func format(milliseconds: Int64) -> String {
        let millis = max(0, min(milliseconds, maxMilliseconds))
        let days = millis / 86_400_000
        var rest = millis % 86_400_000
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        var text: [UInt8] = []
        text.reserveCapacity(length)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var value = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        digits(month, 2)
        digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(rest / 3_600_000, 2)
        rest %= 3_600_000
        digits(rest / 60_000, 2)
        rest %= 60_000
        digits(rest / 1000, 2)
        text.append(UInt8(ascii: "."))
        digits(rest % 1000, 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Unix milliseconds, or nil when `text` is not a stamp.
    static func parse(_ text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == length, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "."),
            bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            let millis = number(16..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis
    }
}

/// What a log directory holds, by segment.
struct LogDirectoryListing {
    /// The files present for one sealed segment.
    struct Files {
        var plain = false
        var compressed = false
        var partial = false
    }

    var hasActive = false
    var sealed: [SegmentKey: Files] = [:]

    /// Sealed segments (plain or compressed) oldest first; compressions in progress alone are left out.
    var sealedKeys: [SegmentKey] {
        sealed.filter { $0.value.plain || $0.value.compressed }.keys.sorted()
    }

    /// Every key with any file, including leftovers of interrupted compressions.
    var newestKey: SegmentKey? { sealed.keys.max() }

    static func scan(_ directory: String) throws(FileIOFailure) -> LogDirectoryListing {
        var listing = LogDirectoryListing()
        for name in try FileIO.contentsOfDirectory(directory) {
            switch LogSegmentNaming.classify(name) {
            case .active?: listing.hasActive = true
            case .plain(let key)?: listing.sealed[key, default: Files()].plain = true
            case .compressed(let key)?: listing.sealed[key, default: Files()].compressed = true
            case .partial(let key)?: listing.sealed[key, default: Files()].partial = true
            case nil: continue
            }
        }
        return listing
    }
}
