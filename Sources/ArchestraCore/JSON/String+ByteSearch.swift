extension String {
    /// Whether `needle` occurs in this string, compared as UTF-8 bytes: exact code-point containment (UTF-8 is
    /// self-synchronising), with no Unicode normalisation and without bridging to Foundation on hot paths.
    public func containsBytes(_ needle: String) -> Bool {
        var haystack = self
        var pattern = needle
        return haystack.withUTF8 { hay in
            pattern.withUTF8 { pin in
                guard !pin.isEmpty else { return true }
                guard pin.count <= hay.count else { return false }
                let first = pin[0]
                var index = 0
                let last = hay.count - pin.count
                while index <= last {
                    if hay[index] == first {
                        var offset = 1
                        while offset < pin.count, hay[index + offset] == pin[offset] { offset += 1 }
                        if offset == pin.count { return true }
                    }
                    index += 1
                }
                return false
            }
        }
    }
}
