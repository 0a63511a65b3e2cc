import Foundation

#if FUZZING
import CLibFuzzer
#endif

/// The `main` of every fuzz executable. Built with `-DFUZZING -sanitize=fuzzer` it hands the command line to
/// libFuzzer (`fuzz-json -max_total_time=30 CORPUS…`), and an input that violates an invariant stops the process
/// like a crash, so libFuzzer saves it. Built normally it replays files: `fuzz-json [FILE|DIR…]` (default
/// `Tests/Fuzz/json`) runs each file through the same check and exits non-zero when one fails.
public enum FuzzEntry {
    /// Runs `target` under libFuzzer (fuzzing build) or replays the files named on the command line.
    public static func main(_ target: FuzzTarget) -> Never {
        #if FUZZING
        runLibFuzzer(target)
        #else
        replay(target, paths: Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    /// Replays files and folders of inputs; exits 0 when every check held.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Never {
        let roots = paths.isEmpty ? ["Tests/Fuzz/\(target.directoryName)"] : paths
        var replayed = 0
        var failed = 0
        for root in roots {
            let files = FuzzCorpus.files(at: root)
            if files.isEmpty { print("warning: no inputs at \(root)") }
            for file in files {
                replayed += 1
                let findings = target.check(FuzzCorpus.contents(of: file))
                guard !findings.isEmpty else { continue }
                failed += 1
                print("FAIL \(file):\n  " + findings.joined(separator: "\n  "))
            }
        }
        print("\(target.executableName): replayed \(replayed) inputs, \(failed) failed")
        exit(failed == 0 ? 0 : 1)
    }
}

#if FUZZING
/// libFuzzer calls back through a C function pointer, which cannot capture the target.
nonisolated(unsafe) private var fuzzedTarget = FuzzTarget.json

extension FuzzEntry {
    /// Hands the command line to libFuzzer; an input that breaks an invariant traps.
    static func runLibFuzzer(_ target: FuzzTarget) -> Never {
        fuzzedTarget = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
            let findings = fuzzedTarget.check(input)
            if !findings.isEmpty {
                // A trap, so libFuzzer reports a crash and writes the input out as an artifact.
                fatalError("invariant violated:\n  " + findings.joined(separator: "\n  "))
            }
            return 0
        }
        exit(status)
    }
}
#endif
