import Foundation
import Bulwark
import BulwarkTestSupport
import Testing

/// A fixture could not be read; the description says where the fixtures were expected.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

extension ProviderKind {
    /// The kinds with a fixture directory; `vertex` speaks Gemini's bodies (its own tests use `google`'s).
    static let withWireFixtures: [ProviderKind] = [.openai, .anthropic, .google]
}

/// Reads the provider-wire fixtures kept in the repository (`Tests/Fixtures/provider-wire`).
enum Fixtures {
    static let root = Tools.providerWire

    /// The fixture directory; throws a descriptive error when it is missing.
    static func directory() throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FixtureError(description: "provider-wire fixtures not found at \(root.path)")
        }
        return root
    }

    static func url(_ provider: ProviderKind, _ path: String) throws -> URL {
        try directory().appendingPathComponent(provider.rawValue).appendingPathComponent(path)
    }

    static func bytes(_ provider: ProviderKind, _ path: String) throws -> [UInt8] {
        let url = try url(provider, path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureError(description: "fixture \(url.path) is missing or unreadable")
        }
        return Array(data)
    }

    static func text(_ provider: ProviderKind, _ path: String) throws -> String {
        String(decoding: try bytes(provider, path), as: UTF8.self)
    }

    /// The file names in `<provider>/<folder>`.
    static func files(_ provider: ProviderKind, in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: try url(provider, folder).path).sorted()
    }

    struct Manifest: Decodable {
        struct Entry: Decodable {
            var file: String
            var status: Int
            var contentType: String
            var exampleHeaders: [String: String]

            enum CodingKeys: String, CodingKey {
                case file, status
                case contentType = "content_type"
                case exampleHeaders = "example_headers"
            }

            /// The entry's headers plus its content type, as a response would carry them.
            var headers: HTTPHeaderFields {
                var fields = HTTPHeaderFields(
                    exampleHeaders.sorted { $0.key < $1.key }.map { HTTPHeaderField(name: $0.key, value: $0.value) })
                fields.add(name: "content-type", value: contentType)
                return fields
            }
        }

        var files: [Entry]
    }

    static func manifest(_ provider: ProviderKind) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(try bytes(provider, "errors/manifest.json")))
    }

    /// Header lines (`name: value`, comments stripped) of the `headers.txt` section whose title starts with
    /// `sectionPrefix` (for example `## Response 429`).
    static func headerSection(_ provider: ProviderKind, _ sectionPrefix: String) throws -> (
        requestLines: [String], headers: HTTPHeaderFields
    ) {
        let lines = try text(provider, "headers.txt").split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix(sectionPrefix) }) else {
            throw FixtureError(
                description: "\(provider.rawValue)/headers.txt has no section starting with \(sectionPrefix)")
        }
        var requestLines: [String] = []
        var headers = HTTPHeaderFields()
        for line in lines[(start + 1)...] {
            if line.hasPrefix("## ") { break }
            var content = line
            if let comment = content.range(of: " #") { content = String(content[..<comment.lowerBound]) }
            content = content.trimmingCharacters(in: .whitespaces)
            if content.isEmpty || content.hasPrefix("#") { continue }
            if content.hasPrefix("POST ") || content.hasPrefix("HTTP/") {
                requestLines.append(content)
                continue
            }
            guard let colon = content.firstIndex(of: ":") else { continue }
            headers.add(
                name: String(content[..<colon]),
                value: content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (requestLines, headers)
    }
}

/// Line endings a stream fixture is converted to.
enum LineEnding: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case lf, crlf, cr

    var testDescription: String { rawValue.uppercased() }

    /// `bytes` (LF-terminated) with every LF replaced.
    func apply(to bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .lf: return bytes
        case .cr: return bytes.map { $0 == 0x0A ? 0x0D : $0 }
        case .crlf: return bytes.flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
        }
    }
}

/// Splits `bytes` into chunks of `size` (0 = one chunk).
func chunks(_ bytes: [UInt8], size: Int) -> [[UInt8]] {
    guard size > 0 else { return [bytes] }
    return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
}

/// Runs a whole body through a decoder in chunks of `chunkSize` (0 = one chunk).
func decodeStream(_ bytes: [UInt8], kind: ProviderKind, chunkSize: Int, requestID: String? = nil) -> [StreamEvent] {
    var decoder = StreamDecoder(kind: kind, requestID: requestID)
    var events: [StreamEvent] = []
    for chunk in chunks(bytes, size: chunkSize) { events += decoder.feed(chunk) }
    return events + decoder.finish()
}

extension [StreamEvent] {
    var text: String {
        compactMap { if case .textDelta(let text) = $0 { return text } else { return nil } }.joined()
    }

    var usages: [TokenUsage] {
        compactMap { if case .usage(let usage) = $0 { return usage } else { return nil } }
    }

    var completed: ChatResult? {
        if case .completed(let result)? = last { return result }
        return nil
    }

    var failure: ProviderError? {
        if case .failed(let error)? = last { return error }
        return nil
    }

    /// The number of terminal events (`completed` or `failed`).
    var terminalCount: Int {
        filter {
            switch $0 {
            case .completed, .failed: return true
            default: return false
            }
        }.count
    }
}

/// A JSON value for structural comparison of request bodies.
indirect enum JSONTree: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONTree].self))
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONTree {
        try JSONDecoder().decode(JSONTree.self, from: Data(bytes))
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .int(let value): return "\(value)"
        case .double(let value): return "\(value)"
        case .string(let value): return "\"\(value)\""
        case .array(let values): return "[" + values.map(\.description).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
                + "}"
        }
    }

    subscript(key: String) -> JSONTree? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}

/// A fixed instant for header parsing.
func date(_ rfc3339: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: rfc3339)!
}

let anyNow = date("2026-11-24T17:52:00Z")
