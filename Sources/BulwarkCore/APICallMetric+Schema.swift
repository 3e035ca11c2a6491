extension APICallMetric {
    /// The identifier of ``jsonSchema``.
    public static let jsonSchemaID = "urn:bulwark:schema:api-call-metric:1"

    /// The JSON Schema (draft 2020-12) of one event as `POST /v1/events` accepts it, served at
    /// `GET /v1/events/schema` and committed as `schemas/api-call-metric.schema.json`. Built from the
    /// decoder's own field list, enumerations and limits, so the two cannot drift apart.
    public static var jsonSchema: String {
        var properties: [String] = []
        for name in fieldNames {
            properties.append("    \(quoted(name)): \(schemaProperty(name))")
        }
        return """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": \(quoted(jsonSchemaID)),
              "title": "APICallMetric",
              "description": "One attempt at one LLM provider: one HTTP exchange, or one attempt that failed before a response. POST /v1/events accepts one object, an array of them, or NDJSON; a batch is accepted (202) or rejected (400) whole.",
              "type": "object",
              "required": [\(requiredFieldNames.map(quoted).joined(separator: ", "))],
              "additionalProperties": false,
              "properties": {
            \(properties.joined(separator: ",\n"))
              }
            }

            """
    }

    private static func schemaProperty(_ name: String) -> String {
        let nameLimit = "\"maxLength\": \(maxNameLength)"
        switch name {
        case "timestamp": return #"{"type": "number", "minimum": 0, "description": "Unix seconds (fractional) when the attempt started"}"#
        case "provider": return #"{"type": "string", "minLength": 1, "# + nameLimit + #", "description": "configured provider name"}"#
        case "model": return #"{"type": "string", "minLength": 1, "# + nameLimit + #", "description": "model requested"}"#
        case "status_code":
            return #"{"type": "integer", "anyOf": [{"const": 0}, {"minimum": 100, "maximum": 599}], "description": "HTTP status; 0 when no response arrived"}"#
        case "latency_ms": return #"{"type": "number", "minimum": 0, "description": "start of the attempt to its last byte or failure"}"#
        case "input_tokens", "output_tokens": return #"{"type": "integer", "minimum": 0, "default": 0}"#
        case "is_retry": return #"{"type": "boolean", "default": false, "description": "repeats an earlier attempt on the same provider"}"#
        case "retry_count": return #"{"type": "integer", "minimum": 0, "default": 0}"#
        case "error_type":
            return #"{"enum": [null, "# + ErrorType.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
                + #"], "default": null, "description": "normalized error; null on success"}"#
        case "error_message":
            return #"{"type": ["string", "null"], "default": null, "description": "the provider's message, keys redacted, cut to "#
                + "\(maxErrorMessageLength)" + #" characters"}"#
        case "circuit_state":
            return #"{"enum": ["# + CircuitState.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
                + #"], "default": "closed", "description": "the provider's breaker when the attempt started; post calls your breaker skipped with \"open\""}"#
        case "request_id": return #"{"type": "string", "# + nameLimit + #", "default": "", "description": "the logical request"}"#
        case "attempt": return #"{"type": "integer", "minimum": 1, "default": 1, "description": "1-based, across all providers of the request"}"#
        case "fallback": return #"{"type": "boolean", "default": false, "description": "on a provider other than the first one tried"}"#
        case "stream": return #"{"type": "boolean", "default": false}"#
        case "time_to_first_token_ms": return #"{"type": ["number", "null"], "minimum": 0, "default": null, "description": "streams only"}"#
        case "cost_usd": return #"{"type": "number", "minimum": 0, "default": 0}"#
        case "provider_error_type":
            return #"{"type": ["string", "null"], "# + nameLimit + #", "default": null, "description": "the provider's own error type string"}"#
        case "retry_after_ms": return #"{"type": ["number", "null"], "minimum": 0, "default": null, "description": "what the provider asked for, parsed"}"#
        case "hedge": return #"{"type": "boolean", "default": false, "description": "started as a hedge while an earlier attempt was still running"}"#
        case "request_outcome":
            return #"{"enum": [null, "# + RequestOutcome.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
                + #"], "default": null, "description": "on the last attempt of a logical request only (drives llm_api_requests_total)"}"#
        case "fallback_from":
            return #"{"type": ["string", "null"], "# + nameLimit + #", "default": null, "description": "on that last attempt, when the outcome is fallback: the first provider tried (drives llm_api_fallbacks_total)"}"#
        default: return "{}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
