import BulwarkCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the path and the `errno` it reported.
struct FileIOFailure: Error {
    var operation: String
    var path: String
    var code: Int32

    var message: String { "\(operation) failed: \(FileIO.describe(code))" }
    var isNotFound: Bool { code == ENOENT }
}

/// The few POSIX calls the log sink, the reader and the gzip files make; EINTR is retried.
enum FileIO {
    static let readOnly = O_RDONLY
    static let appendFlags = O_RDWR | O_CREAT | O_APPEND
    static let createFlags = O_WRONLY | O_CREAT | O_TRUNC

    /// Whether a write failed for want of space, which later writes may find again.
    static func isOutOfSpace(_ code: Int32) -> Bool {
        code == ENOSPC || code == EDQUOT
    }

    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    static func open(_ path: String, flags: Int32, operation: String = "open") throws(FileIOFailure) -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, 0o644)
            if fd >= 0 { return fd }
            let code = errno
            if code != EINTR { throw FileIOFailure(operation: operation, path: path, code: code) }
        }
    }

    static func close(_ fd: Int32) {
        _ = systemClose(fd)
    }

    /// Writes all of `bytes`; on failure returns how many bytes were written before it and the error.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32?) {
        guard let base = bytes.baseAddress else { return (0, nil) }
        var done = 0
        while done < bytes.count {
            let result = systemWrite(fd, base + done, bytes.count - done)
            if result > 0 {
                done += result
            } else if result < 0, errno == EINTR {
                continue
            } else {
                return (done, result < 0 ? errno : EIO)
            }
        }
        return (done, nil)
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String
    ) throws(FileIOFailure) -> Int {
        while true {
            let result = systemRead(fd, buffer.baseAddress, buffer.count)
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw FileIOFailure(operation: "read", path: path, code: code) }
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file position.
    static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String
    ) throws(FileIOFailure) -> Int {
        while true {
            let result = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw FileIOFailure(operation: "read", path: path, code: code) }
        }
    }

    static func size(_ fd: Int32, path: String) throws(FileIOFailure) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileIOFailure(operation: "stat", path: path, code: errno) }
        return Int(info.st_size)
    }

    /// Modification time in Unix seconds.
    static func modificationTime(_ fd: Int32) -> Double? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let time = info.st_mtimespec
        #else
        let time = info.st_mtim
        #endif
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Device and inode of an open file, or of a path; `nil` when it does not exist.
    static func identity(_ fd: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func identity(path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func truncate(_ fd: Int32, to size: Int, path: String) throws(FileIOFailure) {
        while ftruncate(fd, off_t(size)) != 0 {
            let code = errno
            if code != EINTR { throw FileIOFailure(operation: "truncate", path: path, code: code) }
        }
    }

    static func sync(_ fd: Int32, path: String) throws(FileIOFailure) {
        while fsync(fd) != 0 {
            let code = errno
            if code != EINTR { throw FileIOFailure(operation: "fsync", path: path, code: code) }
        }
    }

    /// Makes a rename or unlink in `directory` durable.
    static func syncDirectory(_ directory: String) throws(FileIOFailure) {
        let fd = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: directory)
    }

    static func rename(_ source: String, to destination: String) throws(FileIOFailure) {
        guard systemRename(source, destination) == 0 else {
            throw FileIOFailure(operation: "rename to \(destination)", path: source, code: errno)
        }
    }

    /// Deletes a file; a file that is already gone is not an error.
    static func remove(_ path: String) throws(FileIOFailure) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw FileIOFailure(operation: "delete", path: path, code: errno)
        }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates `path` and its missing parents, like `mkdir -p`.
    static func makeDirectories(_ path: String) throws(FileIOFailure) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw FileIOFailure(operation: "create directory", path: path, code: ENOTDIR)
            }
            return
        }
        let parent = parentDirectory(of: path)
        if parent != path, !parent.isEmpty { try makeDirectories(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw FileIOFailure(operation: "create directory", path: path, code: errno)
        }
    }

    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The names in a directory, without `.` and `..`.
    static func contentsOfDirectory(_ path: String) throws(FileIOFailure) -> [String] {
        guard let stream = opendir(path) else {
            throw FileIOFailure(operation: "list directory", path: path, code: errno)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Takes an exclusive advisory lock on `fd` without waiting; false when another holder has it.
    static func tryLock(_ fd: Int32, path: String) throws(FileIOFailure) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK { return false }
            if code != EINTR { throw FileIOFailure(operation: "lock", path: path, code: code) }
        }
        return true
    }

    static var processID: Int { Int(getpid()) }
}

/// Identifies a file across renames: the active segment is checked against its path this way.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
}

// The libc functions whose names the methods above reuse.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
private func systemRename(_ source: String, _ destination: String) -> Int32 { rename(source, destination) }
