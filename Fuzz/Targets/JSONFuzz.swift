import BulwarkCore

enum JSONFuzz {
    static func run(_ input: [UInt8]) {
        guard let value = try? JSONParser.parse(input) else { return }
        let encoded = value.jsonBytes
        guard let again = try? JSONParser.parse(encoded) else {
            fatalError("the encoding of a parsed value does not parse: \(String(decoding: encoded, as: UTF8.self))")
        }
        require(again == value, "a parsed value changes in its round trip: \(String(decoding: encoded, as: UTF8.self))")
    }
}
