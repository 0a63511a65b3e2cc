import ArchestraCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file of interaction records waiting for the database, as log shippers keep a disk buffer: the
/// records beyond the memory buffer go here during an outage, and what is still here at exit is written first at
/// the next start.
///
/// Each record is one frame: its length (4 bytes, big-endian), an FNV-1a checksum of the payload (4 bytes) and the
/// payload. A frame cut short by a crash, or one whose checksum does not match, ends the file: it and anything
/// after it are cut off when the file is opened. How far the store has taken the records is kept beside the file
/// (`.offset`), so a restart does not write them twice. Not thread-safe: the log writer uses it under its lock.
public final class SpillFile: @unchecked Sendable {
    static let headerSize = 8

    public let path: String
    public let limit: Int
    private var descriptor: Int32
    private var offsetPath: String { path + ".offset" }
    /// End of the last whole frame.
    public private(set) var size = 0
    /// Start of the first record the store has not taken.
    private var readOffset = 0
    /// Records after `readOffset`.
    public private(set) var unread = 0
    /// Where the frames `peek` returned end, in order.
    private var peeked: [Int] = []

    /// Opens (creating) `interactions.spill` in the directory, keeping the whole frames after the saved offset.
    public init(directory: String, limit: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("interactions.spill")
        self.limit = limit
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SpillError("cannot open \(path): \(String(cString: strerror(errno)))") }
        let saved = (try? String(contentsOfFile: offsetPath, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        try scan(from: saved)
    }

    deinit { close(descriptor) }

    /// Whether a record of `bytes` still fits under the limit.
    public func hasRoom(for bytes: Int) -> Bool { size + Self.headerSize + bytes <= limit }

    /// Appends records (already encoded); all or none are counted.
    public func append(_ records: [[UInt8]]) throws {
        var frames: [UInt8] = []
        frames.reserveCapacity(records.reduce(0) { $0 + $1.count + Self.headerSize })
        for record in records {
            let length = UInt32(record.count)
            let checksum = Self.checksum(record)
            for shift in stride(from: 24, through: 0, by: -8) { frames.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
            for shift in stride(from: 24, through: 0, by: -8) { frames.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
            frames.append(contentsOf: record)
        }
        try write(frames, at: size)
        size += frames.count
        unread += records.count
    }

    /// Up to `count` records from the oldest unread one, without taking them (`consume` does, once they are stored).
    /// A record that no longer decodes is returned as nil (counted as lost by the caller).
    public func peek(_ count: Int) throws -> [Interaction?] {
        var records: [Interaction?] = []
        peeked = []
        var position = readOffset
        while records.count < count, position < size {
            let header = try read(Self.headerSize, at: position)
            let length = Int(Self.uint32(header, 0))
            let payload = try read(length, at: position + Self.headerSize)
            records.append(InteractionRecordCodec.decode(payload))
            position += Self.headerSize + length
            peeked.append(position)
        }
        return records
    }

    /// Marks the first `count` peeked records as stored; an emptied file is cut back to nothing, and one whose
    /// stored part has grown large is rewritten with only the rest.
    public func consume(_ count: Int) {
        guard count > 0, count <= peeked.count else { return }
        readOffset = peeked[count - 1]
        unread -= count
        peeked.removeFirst(count)
        if readOffset >= size {
            _ = ftruncate(descriptor, 0)
            size = 0
            readOffset = 0
            unread = 0
            peeked = []
        } else if readOffset >= compactionThreshold, size - readOffset <= readOffset {
            // Under sustained load the file may never be read to its end: without this, the stored records before
            // the read position would count against the limit until the buffer refuses new records.
            try? compact()
        }
        saveOffset()
    }

    /// How much stored data before the read position triggers a rewrite.
    var compactionThreshold: Int { max(limit / 8, 4096) }

    /// Rewrites the file with the unread frames only, crash-safely: they go to a new file first; the saved offset
    /// is set to 0 before the new file replaces the old (a crash in between replays stored records, which the
    /// store skips, and loses none); only then is the new file used.
    private func compact() throws {
        let tail = try read(size - readOffset, at: readOffset)
        let fresh = path + ".new"
        let newDescriptor = open(fresh, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard newDescriptor >= 0 else { throw SpillError("cannot open \(fresh): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < tail.count {
            let result = tail.withUnsafeBytes { pwrite(newDescriptor, $0.baseAddress! + written, tail.count - written, off_t(written)) }
            guard result > 0 else {
                close(newDescriptor)
                unlink(fresh)
                throw SpillError("cannot write \(fresh): \(String(cString: strerror(errno)))")
            }
            written += result
        }
        let consumed = readOffset
        readOffset = 0
        saveOffset()
        guard rename(fresh, path) == 0 else {
            readOffset = consumed
            saveOffset()
            close(newDescriptor)
            unlink(fresh)
            throw SpillError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        descriptor = newDescriptor
        size = tail.count
        peeked = peeked.map { $0 - consumed }
    }

    /// Every unread record's payload, for rewriting the file with older records in front.
    public func unreadPayloads() throws -> [[UInt8]] {
        var payloads: [[UInt8]] = []
        var position = readOffset
        while position < size {
            let header = try read(Self.headerSize, at: position)
            let length = Int(Self.uint32(header, 0))
            payloads.append(try read(length, at: position + Self.headerSize))
            position += Self.headerSize + length
        }
        return payloads
    }

    /// Replaces the unread records with `records` (e.g. the memory buffer at exit followed by what was here).
    public func replaceUnread(with records: [[UInt8]]) throws {
        _ = ftruncate(descriptor, 0)
        size = 0
        readOffset = 0
        unread = 0
        peeked = []
        saveOffset()
        try append(records)
    }

    /// Forces what was written to disk.
    public func sync() { _ = fsync(descriptor) }

    private func saveOffset() {
        try? String(readOffset).write(toFile: offsetPath, atomically: false, encoding: .utf8)
    }

    /// Finds the whole frames from `start` (0 when the saved offset does not fall on a frame) and cuts the rest off.
    private func scan(from start: Int) throws {
        let end = Int(lseek(descriptor, 0, SEEK_END))
        var position = 0
        var frames: [Int] = []
        while position + Self.headerSize <= end {
            let header = try read(Self.headerSize, at: position)
            let length = Int(Self.uint32(header, 0))
            guard position + Self.headerSize + length <= end else { break }
            let payload = try read(length, at: position + Self.headerSize)
            guard Self.checksum(payload) == Self.uint32(header, 4) else { break }
            frames.append(position)
            position += Self.headerSize + length
        }
        if position < end { _ = ftruncate(descriptor, off_t(position)) }
        size = position
        readOffset = frames.contains(start) ? start : (start >= position ? position : 0)
        unread = frames.filter { $0 >= readOffset }.count
        if unread == 0, size > 0 {
            _ = ftruncate(descriptor, 0)
            size = 0
            readOffset = 0
        }
        saveOffset()
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + written, bytes.count - written, off_t(offset + written))
            }
            guard result > 0 else { throw SpillError("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += result
        }
    }

    private func read(_ count: Int, at offset: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            guard result > 0 else { throw SpillError("cannot read \(path): \(result == 0 ? "unexpected end" : String(cString: strerror(errno)))") }
            done += result
        }
        return bytes
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return hash
    }
}

/// The spill file could not be used.
public struct SpillError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
