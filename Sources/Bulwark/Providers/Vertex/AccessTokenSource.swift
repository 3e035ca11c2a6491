import Foundation

/// Where a `vertex` provider's OAuth2 bearer tokens come from.
public protocol AccessTokenSource: Sendable {
    /// A token valid for at least the next few minutes.
    func accessToken() async throws(VertexCredentialError) -> String
}

/// A token given as is (`access_token_env`: for example the output of `gcloud auth print-access-token`
/// placed there by a wrapper); it is never refreshed.
public struct StaticAccessToken: AccessTokenSource {
    private let token: String

    /// Uses `token`, stripped of surrounding whitespace.
    public init(_ token: String) {
        self.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func accessToken() async throws(VertexCredentialError) -> String { token }
}
