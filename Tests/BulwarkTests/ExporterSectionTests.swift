import Testing
@testable import Bulwark

/// The `exporter:` keys of the auth, TLS and limits settings.
@Suite struct ExporterSectionTests {
    @Test func readsTheAuthTLSAndLimitKeys() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            exporter:
              listen: "0.0.0.0:9464"
              auth_token_env: BULWARK_TOKEN
              basic_auth_user: scraper
              basic_auth_password_env: BULWARK_SCRAPE_PASSWORD
              tls_cert: /etc/bulwark/cert.pem
              tls_key: /etc/bulwark/key.pem
              body_budget_bytes: 33554432
              per_ip_connection_limit: 32
            """)
        let exporter = configuration.exporter
        #expect(exporter.authTokenEnv == "BULWARK_TOKEN")
        #expect(exporter.basicAuthUser == "scraper")
        #expect(exporter.basicAuthPasswordEnv == "BULWARK_SCRAPE_PASSWORD")
        #expect(exporter.tlsCertificate == "/etc/bulwark/cert.pem")
        #expect(exporter.tlsKey == "/etc/bulwark/key.pem")
        #expect(exporter.bodyBudgetBytes == 33_554_432)
        #expect(exporter.perIPConnectionLimit == 32)
    }

    @Test func refusesLimitsBelowTheirMinimum() {
        #expect(throws: ConfigurationError.self) {
            _ = try BulwarkConfiguration.parse(yaml: "exporter: {per_ip_connection_limit: 0, body_budget_bytes: 10}")
        }
    }
}
