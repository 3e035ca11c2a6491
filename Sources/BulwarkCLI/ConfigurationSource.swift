import Bulwark
import BulwarkConfigReader

/// Where every command's settings come from: `bulwark.yaml` (the defaults without one), then the `BULWARK_*`
/// environment variables through swift-configuration (`BULWARK_EXPORTER_LISTEN` is `exporter.listen`), then
/// the command's flags, which the commands apply themselves.
enum ConfigurationSource {
    /// The file at `path` (or `fallback` when there is none) with the environment's overrides laid over it.
    ///
    /// - Throws: ``ConfigurationError`` with every problem of the file, or of the overrides.
    static func load(
        path: String?, fallback: @autoclosure () -> BulwarkConfiguration = BulwarkConfiguration()
    ) throws(ConfigurationError) -> BulwarkConfiguration {
        let file: BulwarkConfiguration
        if let path {
            file = try BulwarkConfiguration.load(path: path)
        } else {
            file = fallback()
        }
        return try file.overriddenByEnvironment()
    }
}
