/// A stream fuzz input: byte 0's low four bits say how many cuts follow (0-15), each two bytes (little-endian,
/// taken modulo the body's length + 1); the rest is the provider's byte stream (the body). The pieces are the
/// body cut at those offsets, the way a network may deliver it.
struct StreamInput {
    var body: [UInt8]
    /// Sorted, distinct offsets strictly inside the body.
    var cuts: [Int]

    init(_ input: [UInt8]) {
        let cutCount = Int(input.first ?? 0) & 0x0F
        let header = min(1 + 2 * cutCount, input.count)
        let body = Array(input.dropFirst(header))
        var offsets = Set<Int>()
        var index = 1
        while index + 1 < header {
            let raw = Int(input[index]) | Int(input[index + 1]) << 8
            offsets.insert(raw % (body.count + 1))
            index += 2
        }
        self.body = body
        cuts = offsets.filter { $0 > 0 && $0 < body.count }.sorted()
    }

    /// The body cut at every offset.
    var pieces: [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        for cut in cuts + [body.count] {
            pieces.append(body[start..<cut])
            start = cut
        }
        return pieces
    }
}
