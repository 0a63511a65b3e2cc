import ArchestraFuzzChecks
import Foundation
import Testing

/// Every input kept for the fuzzers (`Tests/Fuzz/<target>/seeds/` and `…/regressions/`, where scripts/fuzz.sh
/// saves each crash) replayed through the same checks the fuzzers run, so a crash once found stays a test.
@Suite("Fuzz inputs replay cleanly")
struct FuzzRegressionTests {
    /// `Tests/Fuzz`, found from this file's place in the repository.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz").path

    @Test("Kept inputs hold every invariant", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) {
        let folder = "\(Self.root)/\(target.directoryName)"
        let seeds = FuzzCorpus.files(at: "\(folder)/seeds")
        #expect(!seeds.isEmpty, "no seed inputs in \(folder)/seeds")
        for file in FuzzCorpus.files(at: folder) {
            let findings = target.check(FuzzCorpus.contents(of: file))
            #expect(findings.isEmpty, "\(file):\n\(findings.joined(separator: "\n"))")
        }
    }
}
