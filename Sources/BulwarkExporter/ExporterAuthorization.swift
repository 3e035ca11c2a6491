import BulwarkHTTPServer
import Foundation

/// Who may use the exporter's protected routes: a bearer token, HTTP basic credentials, both (either
/// one admits), or neither (everyone). Checked on the headers alone, before any body byte is read,
/// comparing in time independent of where the given credentials differ.
struct ExporterAuthorization: Sendable {
    private let bearerToken: [UInt8]?
    private let basicCredentials: [UInt8]?

    init(bearerToken: String?, basicUser: String?, basicPassword: String?) {
        self.bearerToken = bearerToken.map { Array($0.utf8) }
        if let basicUser, let basicPassword {
            basicCredentials = Array(Data("\(basicUser):\(basicPassword)".utf8).base64EncodedString().utf8)
        } else {
            basicCredentials = nil
        }
    }

    /// Whether any credentials are configured.
    var isRequired: Bool { bearerToken != nil || basicCredentials != nil }

    /// Whether the `Authorization` header admits the request.
    func admits(_ authorization: String?) -> Bool {
        guard isRequired else { return true }
        guard let authorization else { return false }
        let bytes = Array(authorization.utf8)
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")) else { return false }
        let scheme = String(decoding: bytes[..<space], as: UTF8.self).lowercased()
        let credentials = Array(bytes[(space + 1)...].drop { $0 == UInt8(ascii: " ") })
        switch scheme {
        case "bearer": return bearerToken.map { Self.constantTimeEquals(credentials, $0) } ?? false
        case "basic": return basicCredentials.map { Self.constantTimeEquals(credentials, $0) } ?? false
        default: return false
        }
    }

    /// The `401` answer, naming the schemes that would be accepted; the body never echoes what was sent.
    func challenge() -> HTTPResponse {
        var response = HTTPResponse.json(
            "{\"error\":\"unauthorized\",\"message\":\"credentials are required (\(schemes))\"}", status: 401)
        if bearerToken != nil { response.headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"bulwark\"") }
        if basicCredentials != nil {
            response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"bulwark\", charset=\"UTF-8\"")
        }
        return response
    }

    private var schemes: String {
        [bearerToken.map { _ in "a bearer token" }, basicCredentials.map { _ in "basic auth" }]
            .compactMap { $0 }.joined(separator: " or ")
    }

    /// Compares every byte of the expected value whatever the given one holds; only the length leaks.
    static func constantTimeEquals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
