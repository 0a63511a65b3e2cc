import ArchestraFuzzChecks

/// See FuzzEntry: a libFuzzer fuzzer when built with -DFUZZING, else a replayer of kept inputs.
@main
enum FuzzRoute {
    static func main() {
        FuzzEntry.main(.route)
    }
}
