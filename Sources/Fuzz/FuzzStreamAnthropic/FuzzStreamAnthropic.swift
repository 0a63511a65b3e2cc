import ArchestraFuzzChecks

/// See FuzzEntry: a libFuzzer fuzzer when built with -DFUZZING, else a replayer of kept inputs.
@main
enum FuzzStreamAnthropic {
    static func main() {
        FuzzEntry.main(.streamAnthropic)
    }
}
