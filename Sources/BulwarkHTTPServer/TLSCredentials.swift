extension HTTPServer {
    /// A PEM certificate (chain) and its private key, for serving HTTPS.
    public struct TLSCredentials: Sendable {
        /// The certificate chain, PEM (`-----BEGIN CERTIFICATE-----`).
        public var certificatePEM: String
        /// The unencrypted private key, PEM (`-----BEGIN PRIVATE KEY-----` or `RSA`/`EC PRIVATE KEY`).
        public var privateKeyPEM: String

        /// Creates credentials from PEM text.
        public init(certificatePEM: String, privateKeyPEM: String) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
        }

        /// What is wrong with the PEM text at a glance, or `nil`; libmicrohttpd checks the rest at start.
        var problem: String? {
            if !certificatePEM.contains("-----BEGIN CERTIFICATE-----") {
                return "the TLS certificate is not a PEM certificate (no BEGIN CERTIFICATE line)"
            }
            if !privateKeyPEM.contains("PRIVATE KEY-----") {
                return "the TLS key is not a PEM private key (no BEGIN ... PRIVATE KEY line)"
            }
            if privateKeyPEM.contains("ENCRYPTED") {
                return "the TLS key is encrypted; give an unencrypted key"
            }
            return nil
        }
    }
}
