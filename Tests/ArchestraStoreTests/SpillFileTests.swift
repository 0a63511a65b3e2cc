import ArchestraCore
import Foundation
import Testing

@testable import ArchestraStore

@Suite("Spill file")
struct SpillFileTests {
    private func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString)").path
    }

    private func records(_ count: Int) -> [Interaction] {
        (0..<count).map { makeInteraction(agentId: UUID(), at: at(Int64($0))) }
    }

    private func encoded(_ rows: [Interaction]) -> [[UInt8]] { rows.map(InteractionRecordCodec.encode) }

    @Test("Records come back in order and whole; consumed ones are gone after a reopen")
    func roundTrip() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = records(5)
        do {
            let spill = try SpillFile(directory: dir, limit: 1 << 20)
            try spill.append(encoded(rows))
            #expect(spill.unread == 5)
            let first = try spill.peek(2)
            #expect(first.map { $0?.normalized } == rows[0..<2].map(\.normalized))
            spill.consume(2)
            #expect(spill.unread == 3)
        }
        let reopened = try SpillFile(directory: dir, limit: 1 << 20)
        #expect(reopened.unread == 3)
        #expect(try reopened.peek(10).map { $0?.normalized } == rows[2...].map(\.normalized))
    }

    @Test("Under a backlog that never drains, the stored part is reclaimed: the file stays within its limit, every record comes out once and in order, also after a reopen")
    func neverDrained() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = records(400)
        let frame = encoded([rows[0]])[0].count + SpillFile.headerSize
        // Room for 40 records; 400 pass through it, a standing backlog of 10 with 5 added and 5 taken at a time,
        // so it is never read to its end.
        let limit = frame * 40
        var out: [Interaction] = []
        var next = 10
        do {
            let spill = try SpillFile(directory: dir, limit: limit)
            try spill.append(encoded(Array(rows[0..<10])))
            while next < rows.count {
                let batch = Array(rows[next..<min(next + 5, rows.count)])
                #expect(spill.hasRoom(for: frame * batch.count), "full after \(next) records, size \(spill.size)")
                try spill.append(encoded(batch))
                next += batch.count
                let taken = try spill.peek(5).compactMap { $0 }
                spill.consume(taken.count)
                out += taken
                #expect(spill.size <= limit)
            }
            #expect(spill.unread == rows.count - out.count && spill.unread > 0)
        }
        let reopened = try SpillFile(directory: dir, limit: limit)
        out += try reopened.peek(1_000).compactMap { $0 }
        #expect(out.map(\.normalized) == rows.map(\.normalized))
    }

    @Test("A record's usage survives the spill file: tokens, exact cost, time to first token, the Dual LLM's part")
    func usageRoundTrip() {
        var row = makeInteraction(agentId: UUID(), at: at(1))
        row.usage = InteractionUsage(
            tokens: UsageReport(inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920, reasoningTokens: nil),
            cost: USDAmount(nanodollars: 5_615_000), timeToFirstTokenMs: 81.25,
            dualLlm: DualLLMUsage(provider: .gemini, model: "gemini-2.5-flash", calls: 4, tokens: UsageReport(inputTokens: 12, outputTokens: 8), cost: nil)
        )
        #expect(InteractionRecordCodec.decode(InteractionRecordCodec.encode(row))?.usage == row.usage)
        let none = makeInteraction(agentId: UUID(), at: at(2))
        #expect(InteractionRecordCodec.decode(InteractionRecordCodec.encode(none))?.usage == nil)
    }

    @Test("A frame cut short by a crash, or one that fails its checksum, ends the file at the last whole frame", arguments: [
        "torn tail", "flipped byte",
    ])
    func damage(kind: String) throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = records(3)
        let path: String
        do {
            let spill = try SpillFile(directory: dir, limit: 1 << 20)
            try spill.append(encoded(rows))
            path = spill.path
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let lastFrame = SpillFile.headerSize + encoded([rows[2]])[0].count
        if kind == "torn tail" {
            bytes.removeLast(7)
        } else {
            bytes[bytes.count - lastFrame + SpillFile.headerSize + 3] ^= 0x5A
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try SpillFile(directory: dir, limit: 1 << 20)
        #expect(reopened.unread == 2)
        #expect(try reopened.peek(10).map { $0?.normalized } == rows[0..<2].map(\.normalized))
        #expect(reopened.size == bytes.count - (kind == "torn tail" ? lastFrame - 7 : lastFrame))
    }

    @Test("Room is counted against the limit, headers included")
    func limit() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spill = try SpillFile(directory: dir, limit: 100)
        #expect(spill.hasRoom(for: 92))
        #expect(!spill.hasRoom(for: 93))
        try spill.append([[UInt8](repeating: 1, count: 42)])
        #expect(spill.hasRoom(for: 42))
        #expect(!spill.hasRoom(for: 43))
    }

    @Test("replaceUnread puts older records in front of what was waiting; a fully consumed file is emptied")
    func replace() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rows = records(4)
        let spill = try SpillFile(directory: dir, limit: 1 << 20)
        try spill.append(encoded(Array(rows[2...])))
        try spill.replaceUnread(with: encoded(Array(rows[0..<2])) + spill.unreadPayloads())
        #expect(try spill.peek(10).map { $0?.normalized } == rows.map(\.normalized))
        spill.consume(4)
        #expect(spill.size == 0 && spill.unread == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: spill.path)
        #expect((attributes[.size] as? Int) == 0)
    }
}
