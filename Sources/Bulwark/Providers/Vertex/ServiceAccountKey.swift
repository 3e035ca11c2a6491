public import Foundation

/// The fields of a Google service-account key file (the JSON that `gcloud iam service-accounts keys
/// create` writes) that the OAuth2 JWT-bearer flow needs.
public struct ServiceAccountKey: Sendable, Equatable {
    /// `client_email`: the account, the JWT's issuer.
    public var clientEmail: String
    /// `private_key`: PKCS#8 PEM of the RSA key that signs the JWT.
    public var privateKeyPEM: String
    /// `private_key_id`: the JWT header's `kid`, when present.
    public var privateKeyID: String?
    /// `token_uri`: where the signed JWT is exchanged for an access token.
    public var tokenURI: String
    /// `project_id`, when present: the default Vertex project.
    public var projectID: String?

    /// Reads and checks a key file; the error names the file and the missing or malformed field, never
    /// the key itself.
    public static func load(path: String) throws(VertexCredentialError) -> ServiceAccountKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let why = !exists ? "no such file" : isDirectory.boolValue ? "a directory" : "not readable"
            throw VertexCredentialError(source: path, reason: "cannot read the service-account file (\(why))")
        }
        return try parse(data, source: path)
    }

    /// Parses a key file's contents (`source` names it in errors).
    public static func parse(_ data: Data, source: String) throws(VertexCredentialError) -> ServiceAccountKey {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw VertexCredentialError(source: source, reason: "not a JSON object (expected a service-account key file)")
        }
        if let type = object["type"] as? String, type != "service_account" {
            throw VertexCredentialError(source: source, reason: "type is \"\(type.prefix(40))\", expected \"service_account\"")
        }
        func field(_ name: String) throws(VertexCredentialError) -> String {
            guard let value = object[name] as? String, !value.isEmpty else {
                throw VertexCredentialError(source: source, reason: "missing \(name)")
            }
            return value
        }
        let key = ServiceAccountKey(
            clientEmail: try field("client_email"), privateKeyPEM: try field("private_key"),
            privateKeyID: object["private_key_id"] as? String, tokenURI: try field("token_uri"),
            projectID: object["project_id"] as? String)
        guard let url = URL(string: key.tokenURI), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw VertexCredentialError(source: source, reason: "token_uri is not an http(s) URL")
        }
        guard key.privateKeyPEM.contains("-----BEGIN") else {
            throw VertexCredentialError(source: source, reason: "private_key is not a PEM key")
        }
        return key
    }
}

/// A Vertex AI credential could not be loaded or refreshed. The message names the file or variable
/// and what went wrong, never a key or a token.
public struct VertexCredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or environment variable the credential comes from.
    public var source: String
    /// What went wrong.
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(source): \(reason)" }
}
