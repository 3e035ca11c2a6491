import Bulwark
import Foundation

// bulwark.yaml from the working directory names the providers, in order, and the variables holding their keys.
let client: ResilientClient
do {
    let configuration = try BulwarkConfiguration.load(path: "bulwark.yaml")
    client = try ResilientClient(configuration: configuration, environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))  // every problem at once; never a key
    exit(2)
}

let prompt = CommandLine.arguments.dropFirst().first ?? "Say hello in five words."
do {
    let answer = try await client.complete(ChatRequest(messages: [.user(prompt)], maxTokens: 256))
    print(answer.result.text)
    FileHandle.standardError.write(Data("provider=\(answer.provider) attempts=\(answer.attempts)\n".utf8))
    await client.shutdown()
} catch {
    // Every provider failed: the error names each provider's normalized error (rate_limited, overloaded…).
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    await client.shutdown()
    exit(1)
}
