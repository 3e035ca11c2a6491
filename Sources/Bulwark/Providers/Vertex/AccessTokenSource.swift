import Foundation

/// Where a `vertex` provider's OAuth2 bearer tokens come from.
public protocol AccessTokenSource: Sendable {
    /// A token valid for at least the next few minutes.
    func accessToken() async throws(VertexCredentialError) -> String

    /// The provider answered 401 to a request carrying `token`: a source that caches tokens forgets it,
    /// so that the next request gets a new one (a token revoked before it expired, a key disabled and
    /// replaced). A source that cannot get another token ignores it.
    func tokenRejected(_ token: String) async
}

extension AccessTokenSource {
    /// Ignores the rejection: the source has no other token to give.
    public func tokenRejected(_ token: String) async {}
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
