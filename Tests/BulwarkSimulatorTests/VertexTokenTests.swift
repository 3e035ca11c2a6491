import Bulwark
import BulwarkSimulator
import Foundation
import Synchronization
import Testing
import _CryptoExtras

/// Vertex AI's OAuth2 flow end to end over loopback: a service-account key file, an RS256 JWT signed
/// with swift-crypto, exchanged at the simulator's token endpoint, which checks the signature against
/// the test key's public half and issues a token its routes accept.
@Suite(.serialized) struct VertexTokenTests {
    static func keyFile(_ key: _RSA.Signing.PrivateKey, tokenURI: String) throws -> String {
        let directory = NSTemporaryDirectory() + "bulwark-vertex-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let json: [String: Any] = [
            "type": "service_account", "project_id": "test-project", "private_key_id": "k1",
            "private_key": key.pemRepresentation, "client_email": "bulwark@test-project.iam.gserviceaccount.com",
            "token_uri": tokenURI,
        ]
        let path = directory + "/sa.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aCorrectlySignedJWTGetsATokenTheSimulatorAccepts() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let simulator = try ProviderSimulator(vertexPublicKeyPEM: key.publicKey.pemRepresentation)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        let file = try Self.keyFile(key, tokenURI: "\(simulator.baseURL)/oauth2/token")
        let source = ServiceAccountTokenSource(key: try ServiceAccountKey.load(path: file), file: file, transport: transport)
        let token = try await source.accessToken()
        #expect(simulator.acceptsVertexToken(token))
        // Cached: the second call makes no exchange and returns the same token.
        #expect(try await source.accessToken() == token)
        await transport.shutdown()
        await simulator.stop()
    }

    @Test func aWrongKeyIsRefusedWithAnErrorNamingTheFile() async throws {
        let trusted = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let simulator = try ProviderSimulator(vertexPublicKeyPEM: trusted.publicKey.pemRepresentation)
        try simulator.start()
        let transport = AsyncHTTPClientTransport()
        let file = try Self.keyFile(other, tokenURI: "\(simulator.baseURL)/oauth2/token")
        let source = ServiceAccountTokenSource(key: try ServiceAccountKey.load(path: file), file: file, transport: transport)
        await #expect {
            _ = try await source.accessToken()
        } throws: { error in
            let text = "\(error)"
            return text.contains(file) && text.contains("HTTP 400") && text.contains("Invalid JWT Signature")
                && !text.contains("PRIVATE KEY")
        }
        await transport.shutdown()
        await simulator.stop()
    }

    @Test func aBrokenKeyFileIsNamedWithTheMissingField() throws {
        let path = NSTemporaryDirectory() + "bulwark-vertex-broken-\(UUID().uuidString).json"
        try Data(#"{"type": "service_account", "client_email": "a@b.c", "token_uri": "https://oauth2.googleapis.com/token"}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(throws: VertexCredentialError(source: path, reason: "missing private_key")) {
            _ = try ServiceAccountKey.load(path: path)
        }
    }

    @Test func aRefusedKeyIsNotExchangedAgainWithinTheCooldown() async throws {
        let trusted = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let simulator = try ProviderSimulator(vertexPublicKeyPEM: trusted.publicKey.pemRepresentation)
        try simulator.start()
        let transport = CountingTransport(AsyncHTTPClientTransport())
        let file = try Self.keyFile(other, tokenURI: "\(simulator.baseURL)/oauth2/token")
        let key = try ServiceAccountKey.load(path: file)
        let patient = ServiceAccountTokenSource(key: key, file: file, transport: transport, failureCooldown: 3_600)
        for _ in 0..<5 {
            await #expect(throws: VertexCredentialError.self) { _ = try await patient.accessToken() }
        }
        #expect(transport.sent == 1)
        let eager = ServiceAccountTokenSource(key: key, file: file, transport: transport, failureCooldown: 0)
        for _ in 0..<2 {
            await #expect(throws: VertexCredentialError.self) { _ = try await eager.accessToken() }
        }
        #expect(transport.sent == 3)
        await transport.base.shutdown()
        await simulator.stop()
    }
}

/// The real transport, counting the requests it sends.
final class CountingTransport: HTTPTransport {
    let base: AsyncHTTPClientTransport
    private let count = Atomic<Int>(0)

    init(_ base: AsyncHTTPClientTransport) { self.base = base }

    var sent: Int { count.load(ordering: .relaxed) }

    func send(_ request: ProviderHTTPRequest, timeouts: TransportTimeouts) async throws(TransportError) -> TransportResponse {
        count.add(1, ordering: .relaxed)
        return try await base.send(request, timeouts: timeouts)
    }
}
