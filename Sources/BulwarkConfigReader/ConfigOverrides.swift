import Bulwark
import Configuration

/// Reads typed overrides from a `ConfigReader`, collecting every problem instead of stopping at the first.
///
/// swift-configuration's non-throwing getters return `nil` for a value that does not convert
/// (`max_series: "lots"`), which would silently keep the file's value; here a key that is present is read
/// with the throwing getter, so a bad value becomes a ``ConfigurationError/Problem`` naming the key.
struct ConfigOverrides {
    let reader: ConfigReader
    /// How problems name a key (its path, or the environment variable it was read from).
    let keyName: (String) -> String
    private(set) var problems: [ConfigurationError.Problem] = []

    init(reader: ConfigReader, keyName: @escaping (String) -> String) {
        self.reader = reader
        self.keyName = keyName
    }

    private func isPresent(_ configKey: ConfigKey) -> Bool {
        reader.string(forKey: configKey) != nil || reader.int(forKey: configKey) != nil
            || reader.double(forKey: configKey) != nil || reader.bool(forKey: configKey) != nil
    }

    /// `providers.<name>.<field>` with the provider's name as one component, dots and all.
    static func providerKey(_ name: String, _ field: String) -> ConfigKey {
        ConfigKey(["providers", name] + field.split(separator: ".").map(String.init))
    }

    private mutating func read<Value>(_ key: ConfigKey, _ get: (ConfigKey) throws -> Value) -> Value? {
        guard isPresent(key) else { return nil }
        do {
            return try get(key)
        } catch {
            problems.append(.init(path: keyName(key.components.joined(separator: ".")), message: "cannot be read: \(error)"))
            return nil
        }
    }

    mutating func string(_ key: ConfigKey) -> String? {
        let reader = self.reader
        return read(key) { try reader.requiredString(forKey: $0) }
    }

    mutating func int(_ key: ConfigKey) -> Int? {
        let reader = self.reader
        return read(key) { try reader.requiredInt(forKey: $0) }
    }

    mutating func double(_ key: ConfigKey) -> Double? {
        let reader = self.reader
        return read(key) { try reader.requiredDouble(forKey: $0) }
    }

    /// A string that must be one of `allowed`.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ key: ConfigKey, as: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        guard let raw = string(key) else { return nil }
        guard let value = Choice(rawValue: raw) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append(.init(path: keyName(key.components.joined(separator: ".")), message: "must be one of \(names), got \"\(raw)\""))
            return nil
        }
        return value
    }

    /// Assigns the override to `target` when the key is present and valid.
    func apply<Value>(_ value: Value?, to target: inout Value) {
        if let value { target = value }
    }

    func apply<Value>(_ value: Value?, to target: inout Value?) {
        if let value { target = value }
    }

    mutating func problem(_ key: String, _ message: String) {
        problems.append(.init(path: keyName(key), message: message))
    }
}
