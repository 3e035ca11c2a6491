import BulwarkCore
import Testing

@Suite struct APIKeyRedactorTests {
    @Test(arguments: [
        ("key sk-abcdefghijklmnopqrstuvwx end", "key [REDACTED] end"),
        ("sk-proj-AbC_dEf-123456789012345678", "[REDACTED]"),
        ("anthropic sk-ant-api03-abcdefghijklmnop_QRS-tuv", "anthropic [REDACTED]"),
        ("google AIzaSyA1234567890abcdefghijklmnopqrstu.", "google [REDACTED]"),
        ("Authorization: Bearer abc.def.ghijklmnop", "Authorization: Bearer [REDACTED]"),
        ("Incorrect API key provided: sk-proj-****************************abcd.", "Incorrect API key provided: [REDACTED]"),
    ])
    func redactsEveryProviderKeyFormat(input: String, expected: String) {
        #expect(APIKeyRedactor.redact(input) == expected)
    }

    @Test func leavesOrdinaryTextAlone() {
        let text = "task-queue is full; ask again; sk- short"
        #expect(APIKeyRedactor.redact(text) == text)
        #expect(!APIKeyRedactor.containsKey(text))
    }
}
