import BulwarkCore
import Foundation
import Testing

/// The published JSON Schema of events: the committed file is the one the exporter serves, and it
/// describes exactly what the decoder reads.
@Suite struct EventSchemaTests {
    static let schemaFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/api-call-metric.schema.json")

    @Test func theCommittedFileIsTheServedSchema() throws {
        let committed = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(
            committed == APICallMetric.jsonSchema,
            "schemas/api-call-metric.schema.json is out of date; replace it with:\n\(APICallMetric.jsonSchema)")
    }

    @Test func itNamesEveryFieldTheDecoderReadsAndNoOther() throws {
        let schema = try #require(
            try JSONSerialization.jsonObject(with: Data(APICallMetric.jsonSchema.utf8)) as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(APICallMetric.fieldNames))
        #expect(schema["required"] as? [String] == APICallMetric.requiredFieldNames)
        let errorTypes = try #require((properties["error_type"] as? [String: Any])?["enum"] as? [Any])
        #expect(Set(errorTypes.compactMap { $0 as? String }) == Set(ErrorType.allCases.map(\.rawValue)))
        let provider = try #require(properties["provider"] as? [String: Any])
        #expect(provider["maxLength"] as? Int == APICallMetric.maxNameLength)
    }

    @Test func anEncodedEventUsesOnlyTheSchemasFields() throws {
        let event = APICallMetric(
            timestamp: 1_700_000_000, provider: "openai", model: "gpt-4o", statusCode: 529, latencyMs: 12,
            errorType: .overloaded, requestID: "r1", requestOutcome: .fallback, fallbackFrom: "anthropic")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.jsonString.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Set(APICallMetric.fieldNames))
    }
}
