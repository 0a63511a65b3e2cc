import Foundation

/// The inputs kept in the repository: `Tests/Fuzz/<target>/seeds/` (a small starting corpus) and
/// `Tests/Fuzz/<target>/regressions/` (every input that once failed, named as libFuzzer wrote it).
public enum FuzzCorpus {
    /// Every regular file at `path` (itself when it is a file, else everything below it), sorted; hidden files
    /// (`.gitkeep`, editor leftovers) are skipped.
    public static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let base = URL(fileURLWithPath: path)
        let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        guard let walker else { return [] }
        var files: [String] = []
        for case let url as URL in walker where !url.lastPathComponent.hasPrefix(".") {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(url.path) }
        }
        return files.sorted()
    }

    /// The bytes of a file (empty when it cannot be read: a listed file that vanished).
    public static func contents(of path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { Array($0) } ?? []
    }
}
