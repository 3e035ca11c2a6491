extension ProviderSlot {
    /// The HTTP request of one attempt, authenticated with the slot's API key or, for a `vertex` provider,
    /// with an access token from its token source (cached there; refreshed before it expires).
    ///
    /// A token that cannot be had is an `authentication` error (status 0) naming the credentials file or
    /// variable and why, never the key or a token; like any `authentication` error it is not retried, and
    /// the request moves on to the next provider.
    ///
    /// Returns the key used too (`nil` for a token), so that an `authentication` failure can name where it came from.
    func makeHTTPRequest(for request: ChatRequest) async throws(ProviderError) -> (ProviderHTTPRequest, LoadedAPIKey?) {
        guard let tokenSource else { return try makeKeyedHTTPRequest(for: request) }
        if let problem = headerProblem {
            throw ProviderError(errorType: .authentication, statusCode: 0, message: "\(name): \(problem)")
        }
        let token: String
        do {
            token = try await tokenSource.accessToken()
        } catch {
            throw ProviderError(
                errorType: .authentication, statusCode: 0, providerErrorType: "access_token_unavailable",
                message: "\(name): no OAuth2 access token: \(error.description)")
        }
        return (try adapter.makeHTTPRequest(for: request, apiKey: token), nil)
    }
}

extension ProviderSlot {
    /// `request` was answered 401: if it carried a token of the slot's token source, the source forgets
    /// that token, so the next attempt on this provider is sent with a new one.
    func accessTokenRefused(in request: ProviderHTTPRequest) async {
        guard let tokenSource, let value = request.headers["Authorization"], value.hasPrefix("Bearer ") else { return }
        await tokenSource.tokenRejected(String(value.dropFirst("Bearer ".count)))
    }
}
