import ArchestraCore
import Foundation
import HTTPTypes
import Testing

@testable import ArchestraServer

/// Issue 3, point 7: policies live in an in-memory snapshot; the hot path reads no policy data from the database,
/// and an admin write is visible to the very next request.
@Suite("Policy snapshot cache")
struct PolicySnapshotCacheTests {
    @Test("a policy removed behind the gateway's back still applies until an admin write; then the next request sees the database")
    func noDatabaseReadOnTheHotPath() async throws {
        try await withGateway(environment: ["BENCHMARK_MOCK_MODE": "true"]) { live in
            let tainted = ObservabilityTests.tainted
            func mockCallAllowed() async throws -> Bool {
                let reply = try await live.sendJSON(.post, "/v1/openai/chat/completions", tainted).json()
                return reply["choices"]?.arrayValue?.first?["message"]?["tool_calls"] != nil
            }
            #expect(try await mockCallAllowed() == false, "untrusted by default")
            let tools = try await live.getJSON("/api/tools").arrayValue ?? []
            let emailTool = try #require(tools.first { $0["name"]?.stringValue == "get_emails" }?["id"]?.stringValue)
            let created = try await live.sendJSON(
                .post, "/api/trusted-data-policies",
                #"{"toolId":"\#(emailTool)","description":"any sender","attributePath":"emails[*].from","operator":"regex","value":"@"}"#
            ).json()
            let policyId = try #require(created["id"]?.stringValue)
            #expect(try await mockCallAllowed() == true, "the admin write is visible to the very next request")

            // Straight to the store: no admin route, so no cache invalidation.
            #expect(try await live.gateway.store.deleteTrustedDataPolicy(id: try #require(UUID(uuidString: policyId))))
            #expect(try await mockCallAllowed() == true, "the snapshot in memory still has the policy: no database read")
            #expect(try await mockCallAllowed() == true)

            // Any admin write drops the snapshots; the next request reloads what the database now says.
            let patched = try await live.sendJSON(.patch, "/api/tools/\(emailTool)", #"{"allowUsageWhenUntrustedDataIsPresent":false}"#)
            #expect(patched.status == .ok)
            #expect(try await mockCallAllowed() == false)
        }
    }
}
