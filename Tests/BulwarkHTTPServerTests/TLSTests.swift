import BulwarkHTTPServer
import BulwarkTestSupport
import Foundation
import Testing

/// HTTPS through libmicrohttpd's GnuTLS, with a certificate made by openssl for the test.
@Suite(.timeLimit(.minutes(1))) struct TLSTests {
    private func router() -> Router {
        var router = Router()
        router.get("/healthz") { _ in .text("ok over tls\n") }
        return router
    }

    /// A self-signed certificate and key for 127.0.0.1, as PEM text.
    static func makeCertificate() throws -> (certificate: String, key: String, directory: String) {
        let directory = try makeTemporaryDirectory("bulwark-tls")
        let openssl = try Tools.locate(.openssl)
        let result = try runCommand(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(directory)/key.pem", "-out", "\(directory)/cert.pem", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        guard result.status == 0 else { throw ChildProcessError("openssl failed: \(result.output)") }
        return (
            try String(contentsOfFile: "\(directory)/cert.pem", encoding: .utf8),
            try String(contentsOfFile: "\(directory)/key.pem", encoding: .utf8),
            directory
        )
    }

    @Test(.enabled(if: Tools.canRun(.openssl, .curl)))
    func servesHTTPSAndRefusesPlainHTTP() async throws {
        let pem = try Self.makeCertificate()
        let configuration = HTTPServer.Configuration(
            tls: .init(certificatePEM: pem.certificate, privateKeyPEM: pem.key))
        try await withServer(configuration, router: router()) { server in
            let port = server.port
            let (secure, plain) = try await onThread {
                let secure = try runCommand(try Tools.locate(.curl), [
                    "-sS", "--max-time", "20", "--cacert", "\(pem.directory)/cert.pem", "https://127.0.0.1:\(port)/healthz",
                ])
                let plain = Result { try RawHTTPClient.request(port: port, path: "/healthz", timeoutSeconds: 5) }
                return (secure, (try? plain.get())?.status)
            }
            #expect(secure.status == 0)
            #expect(secure.output.contains("ok over tls"))
            #expect(plain != 200)
        }
    }

    @Test func malformedCredentialsAreNamedAtStart() throws {
        let server = HTTPServer(
            configuration: .init(tls: .init(certificatePEM: "not a certificate", privateKeyPEM: "nor a key")),
            router: router())
        #expect(throws: HTTPServerError.self) { try server.start() }
        do {
            try server.start()
        } catch {
            #expect(error.code == .invalidTLS)
            #expect(error.message.contains("certificate"))
        }
    }

    @Test(.enabled(if: Tools.canRun(.openssl)))
    func mismatchedKeyIsRefusedAtStart() async throws {
        let first = try Self.makeCertificate()
        let second = try Self.makeCertificate()
        let server = HTTPServer(
            configuration: .init(tls: .init(certificatePEM: first.certificate, privateKeyPEM: second.key)),
            router: router())
        do {
            try server.start()
            Issue.record("a certificate with another certificate's key was accepted")
            await server.stop()
        } catch {
            #expect(error.code == .invalidTLS)
        }
    }
}
