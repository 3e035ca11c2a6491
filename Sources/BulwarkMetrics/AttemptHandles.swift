import BulwarkCore

/// What identifies the series one attempt touches: the fast-path key of ``SeriesCacheState``, built from the
/// event without allocating.
struct AttemptKey: Hashable {
    let provider: String
    let model: String
    let statusCode: Int
    let errorType: ErrorType?

    init(_ metric: APICallMetric) {
        provider = metric.provider
        model = metric.model
        statusCode = metric.statusCode
        errorType = metric.errorType
    }
}

/// The instruments an attempt may touch; which exist depends on the naming and on the event.
enum AttemptSlot: Int, CaseIterable {
    case calls, duration, firstToken, inputTokens, outputTokens, retries, cost
}

/// A set of ``AttemptSlot``s, as bits.
struct AttemptSlots {
    private(set) var rawValue: UInt8 = 0

    init(_ slots: AttemptSlot...) {
        for slot in slots { insert(slot) }
    }

    func contains(_ slot: AttemptSlot) -> Bool { rawValue & (1 << UInt8(slot.rawValue)) != 0 }
    mutating func insert(_ slot: AttemptSlot) { rawValue |= 1 << UInt8(slot.rawValue) }
    /// The slots of `self` that `other` lacks.
    func subtracting(_ other: AttemptSlots) -> [AttemptSlot] {
        AttemptSlot.allCases.filter { contains($0) && !other.contains($0) }
    }
}

/// The handles of every slot an attempt with one ``AttemptKey`` needed so far, with the provider and model
/// label values as admitted (so a slot made later gets the same values).
struct AttemptHandles {
    let provider: String
    let model: String
    private var handles: [MetricHandle?] = Array(repeating: nil, count: AttemptSlot.allCases.count)
    private(set) var present = AttemptSlots()

    init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }

    subscript(slot: AttemptSlot) -> MetricHandle? {
        get { handles[slot.rawValue] }
        set {
            handles[slot.rawValue] = newValue
            if newValue != nil { present.insert(slot) }
        }
    }

    /// Whether every slot of `needed` has its handle.
    func hasAll(_ needed: AttemptSlots) -> Bool { needed.rawValue & ~present.rawValue == 0 }
}
