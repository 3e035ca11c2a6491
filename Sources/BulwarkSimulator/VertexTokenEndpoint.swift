import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// Google's OAuth2 token endpoint, as far as a Vertex AI client uses it: `POST /oauth2/token` with the
/// JWT-bearer grant (RFC 7523). The JWT's RS256 signature is checked against the public key the
/// simulator was given; its claims must name the cloud-platform scope, a token endpoint as audience and
/// a current validity window. A good assertion gets an access token that the Vertex routes accept
/// until it expires; anything else gets Google's `invalid_grant` answer.
final class VertexTokenEndpoint: Sendable {
    /// The tokens this endpoint issued, with their expiry (Unix seconds); the oldest are forgotten past
    /// `maxTokens`.
    private struct Issued {
        var expiry: [String: Double] = [:]
        var order: [String] = []
        var forgotten = 0
    }

    static let maxTokens = 10_000
    private let publicKey: _RSA.Signing.PublicKey?
    private let lifetimeSeconds: Double
    private let issued = Mutex(Issued())
    private let now: @Sendable () -> Double

    /// An endpoint verifying with `publicKey` (none: every assertion is refused, as for an unknown key).
    init(publicKey: _RSA.Signing.PublicKey?, lifetimeSeconds: Double = 3_600, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.publicKey = publicKey
        self.lifetimeSeconds = lifetimeSeconds
        self.now = now
    }

    /// Reads a PEM public key (SubjectPublicKeyInfo or PKCS#1), or throws naming what was wrong.
    static func publicKey(pem: String) throws(VertexKeyError) -> _RSA.Signing.PublicKey {
        do {
            return try _RSA.Signing.PublicKey(pemRepresentation: pem)
        } catch {
            throw VertexKeyError(description: "not an RSA public key in PEM form (2048 bits or more)")
        }
    }

    /// Answers one token request: status and JSON body.
    func exchange(formBody: [UInt8]) -> (status: Int, body: String) {
        let form = Self.parseForm(String(decoding: formBody, as: UTF8.self))
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            return Self.refusal("unsupported_grant_type", "Invalid grant_type: \(form["grant_type"]?.prefix(60) ?? "")")
        }
        guard let assertion = form["assertion"] else { return Self.refusal("invalid_request", "Missing required parameter: assertion") }
        if let problem = verify(assertion) { return Self.refusal("invalid_grant", problem) }
        let token = issue()
        return (200, "{\"access_token\":\"\(token)\",\"expires_in\":\(Int(lifetimeSeconds)),\"token_type\":\"Bearer\"}")
    }

    /// A new token, valid for the endpoint's lifetime.
    func issue() -> String {
        let token = "ya29.sim-" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        let expiry = now() + lifetimeSeconds
        issued.withLock { issued in
            issued.expiry[token] = expiry
            issued.order.append(token)
            if issued.order.count > Self.maxTokens {
                issued.expiry[issued.order.removeFirst()] = nil
                issued.forgotten += 1
            }
        }
        return token
    }

    /// Forgets every token issued so far.
    func revokeAll() {
        issued.withLock { issued in
            issued.expiry.removeAll()
            issued.order.removeAll()
        }
    }

    /// Whether `token` was issued here and has not expired.
    func accepts(_ token: String) -> Bool {
        let current = now()
        return issued.withLock { ($0.expiry[token] ?? 0) > current }
    }

    /// Why `assertion` is refused (Google's wording where it has one), or `nil` when it is good.
    private func verify(_ assertion: String) -> String? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]), let claimsData = Self.base64URLDecode(parts[1]),
            let signature = Self.base64URLDecode(parts[2]),
            let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
            let claims = (try? JSONSerialization.jsonObject(with: claimsData)) as? [String: Any]
        else { return "Invalid JWT: the assertion is not a signed JWT." }
        guard header["alg"] as? String == "RS256" else { return "Invalid JWT: the algorithm must be RS256." }
        guard let publicKey,
            publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: Data("\(parts[0]).\(parts[1])".utf8)),
                padding: .insecurePKCS1v1_5)
        else { return "Invalid JWT Signature." }
        let current = now()
        guard let issuedAt = (claims["iat"] as? NSNumber)?.doubleValue, let expires = (claims["exp"] as? NSNumber)?.doubleValue,
            issuedAt <= current + 60, expires > current, expires - issuedAt <= 3_600
        else { return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe." }
        guard (claims["scope"] as? String)?.split(separator: " ").contains("https://www.googleapis.com/auth/cloud-platform") == true
        else { return "Invalid JWT: the scope must include https://www.googleapis.com/auth/cloud-platform." }
        guard (claims["aud"] as? String)?.hasSuffix("/oauth2/token") == true else { return "Invalid JWT: the audience must be the token endpoint." }
        guard claims["iss"] is String else { return "Invalid JWT: no issuer." }
        return nil
    }

    private static func refusal(_ error: String, _ description: String) -> (status: Int, body: String) {
        (400, "{\"error\":\"\(error)\",\"error_description\":\(JSONQuote.quoted(description))}")
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let raw = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            fields[name] = raw.removingPercentEncoding ?? raw
        }
        return fields
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

/// The public key given for the token endpoint could not be used.
public struct VertexKeyError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// JSON string quoting for the few bodies built by hand here.
enum JSONQuote {
    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
