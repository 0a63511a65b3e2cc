import ArchestraFuzzChecks

/// See FuzzEntry: a libFuzzer fuzzer when built with -DFUZZING, else a replayer of kept inputs.
@main
enum FuzzStreamOpenAI {
    static func main() {
        FuzzEntry.main(.streamOpenAI)
    }
}
