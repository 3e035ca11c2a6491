import BulwarkCore
import Testing

/// The key shapes issue 13 found unredacted, in each provider's real formats (made-up values).
@Suite struct APIKeyRedactorShapesTests {
    static let openAIProject = "sk-proj-" + String(repeating: "Ab3_x-Z9", count: 19) + "T3BlbkFJ"
    static let openAIServiceAccount = "sk-svcacct-" + String(repeating: "Qw7-eR5_", count: 12)
    static let openAIAdmin = "sk-admin-" + String(repeating: "Zx8Cv6Bn", count: 8)
    static let openAILegacy = "sk-" + String(repeating: "a1B2c3D4", count: 6)
    static let anthropic = "sk-ant-api03-" + String(repeating: "Kd8_Lm2-", count: 11) + "AbCdEAA"
    static let anthropicAdmin = "sk-ant-admin01-" + String(repeating: "Pq4Rs6Tu", count: 11)
    static let google = "AIzaSy" + String(repeating: "B4c", count: 11)
    static let vertexAccessToken = "ya29.a0AfH6SM" + String(repeating: "Bc1-De2_", count: 20)

    static let keys = [openAIProject, openAIServiceAccount, openAIAdmin, openAILegacy, anthropic, anthropicAdmin, google, vertexAccessToken]

    @Test(arguments: keys)
    func redactsTheKeyInEveryShape(key: String) {
        let shapes = [
            "environment variable \(key) is not set",
            "OPENAI_API_KEY_\(key)",
            "authorization: bearer \(key)",
            "AUTHORIZATION: BEARER \(key)",
            "https://api.example.com/v1?token=\(key)&x=1",
            "https://generativelanguage.googleapis.com/v1beta/models?key=\(key)",
            "access_token=\(key)",
            "in line 3, column 18:\n      api_key_env: \"\(key)\"\n                  ^",
        ]
        for text in shapes {
            let redacted = APIKeyRedactor.redact(text)
            #expect(!redacted.contains(key), "\(text) → \(redacted)")
            #expect(!redacted.contains(String(key.suffix(12))), "\(text) → \(redacted)")
            #expect(redacted.contains(APIKeyRedactor.placeholder))
        }
    }

    @Test func keepsTheSchemeAndParameterNames() {
        #expect(APIKeyRedactor.redact("bearer abcdefgh12345") == "bearer [REDACTED]")
        #expect(APIKeyRedactor.redact("GET /x?token=opaque-123456789") == "GET /x?token=[REDACTED]")
        #expect(APIKeyRedactor.redact("NAME_sk-abcdefghijkl") == "NAME_[REDACTED]")
    }

    @Test(arguments: [
        "task-queue is full", "risk-sk-assessment", "a bearer token is required", "basic auth needs a password",
        "key=short", "the token= parameter is empty", "skip-this",
    ])
    func leavesOrdinaryTextAlone(text: String) {
        #expect(APIKeyRedactor.redact(text) == text)
    }
}
