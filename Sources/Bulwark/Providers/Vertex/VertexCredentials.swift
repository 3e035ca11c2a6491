/// The access-token source of a configured `vertex` provider.
enum VertexCredentials {
    /// `credentials_file`: a cached, refreshed ``ServiceAccountTokenSource`` exchanging over `transport`
    /// (a file that cannot be loaded gives a source failing with that error, naming the file);
    /// `access_token_env`: the token read from it (`accessToken`). `nil` for other kinds.
    static func tokenSource(
        for provider: ProviderConfiguration, accessToken: APIKey?, transport: any HTTPTransport
    ) -> (any AccessTokenSource)? {
        guard provider.kind == .vertex else { return nil }
        if let file = provider.credentialsFile {
            do {
                return ServiceAccountTokenSource(key: try ServiceAccountKey.load(path: file), file: file, transport: transport)
            } catch {
                return FailingTokenSource(error: error)
            }
        }
        if let variable = provider.accessTokenEnvironmentVariable {
            guard let accessToken else {
                return FailingTokenSource(error: VertexCredentialError(source: variable, reason: "no access token was given"))
            }
            return StaticAccessToken(accessToken.value)
        }
        return FailingTokenSource(
            error: VertexCredentialError(source: provider.name, reason: "neither credentials_file nor access_token_env is configured"))
    }
}

/// A credential that could not be loaded: every request fails with the same error.
struct FailingTokenSource: AccessTokenSource {
    let error: VertexCredentialError

    func accessToken() async throws(VertexCredentialError) -> String { throw error }
}
