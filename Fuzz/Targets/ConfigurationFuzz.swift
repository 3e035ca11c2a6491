import Bulwark

enum ConfigurationFuzz {
    static func run(_ input: [UInt8]) {
        do {
            let configuration = try BulwarkConfiguration.parse(yaml: String(decoding: input, as: UTF8.self), source: "fuzz.yaml")
            _ = configuration.providers.count
        } catch {
            require(!error.problems.isEmpty, "a refused configuration names no problem")
            for problem in error.problems { require(!problem.message.isEmpty, "a problem without a message at \(problem.path)") }
        }
    }
}
