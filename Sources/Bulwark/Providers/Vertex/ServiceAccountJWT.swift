import Crypto
import Foundation
import _CryptoExtras

/// The signed JWT of Google's OAuth2 JWT-bearer flow (RFC 7523): RS256 over
/// `{"alg":"RS256","typ":"JWT","kid":…}.{"iss","scope","aud","iat","exp"}`.
enum ServiceAccountJWT {
    /// The scope Vertex AI needs.
    static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
    /// How long an assertion is valid (Google's maximum).
    static let lifetimeSeconds = 3_600

    /// The compact serialization of the assertion for `key`, issued at `now`.
    static func assertion(for key: ServiceAccountKey, now: Date) throws(VertexCredentialError) -> String {
        let signingKey: _RSA.Signing.PrivateKey
        do {
            signingKey = try _RSA.Signing.PrivateKey(pemRepresentation: key.privateKeyPEM)
        } catch {
            throw VertexCredentialError(source: key.clientEmail, reason: "private_key is not a usable RSA key")
        }
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if let kid = key.privateKeyID { header["kid"] = kid }
        let issued = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": key.clientEmail, "scope": cloudPlatformScope, "aud": key.tokenURI, "iat": issued,
            "exp": issued + lifetimeSeconds,
        ]
        let signingInput = base64URL(json(header)) + "." + base64URL(json(claims))
        do {
            let signature = try signingKey.signature(for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
            return signingInput + "." + base64URL(signature.rawRepresentation)
        } catch {
            throw VertexCredentialError(source: key.clientEmail, reason: "signing the JWT failed")
        }
    }

    private static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    /// Base64url without padding (RFC 7515, section 2).
    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
