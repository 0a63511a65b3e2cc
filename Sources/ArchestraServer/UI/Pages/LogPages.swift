import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird

/// `/ui/logs`: the interactions, filtered, sorted and paged by keyset, with a live tail; and one interaction's
/// detail.
struct LogPages {
    let ui: UIContext

    static let pageSize = 50

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("logs") { request, context -> Response in
            do { return try await list(request, state: context.ui) } catch { return ui.errorPage(error, state: context.ui, back: "/ui/logs") }
        }
        group.get("logs/stream") { request, context -> Response in
            LiveTail(ui: ui, filter: Self.filter(from: request).filter).response(request: request)
        }
        group.get("logs/:id") { _, context -> Response in
            do {
                return try await LogDetail(ui: ui).render(try AdminID.parse(context.parameters.get("id")), state: context.ui)
            } catch {
                return ui.errorPage(error, state: context.ui, back: "/ui/logs")
            }
        }
    }

    /// The filter and sort a list's query names, and the query's own values for the form.
    static func filter(from request: Request) -> (filter: InteractionFilter, sort: InteractionSort, form: [String: Any]) {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? { query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var filter = InteractionFilter()
        filter.agentId = value("agentId").flatMap(UUID.init(uuidString:))
        filter.type = value("type")
        filter.status = value("status").flatMap(Int.init)
        filter.refusedOnly = value("refused") != nil
        filter.taintedOnly = value("tainted") != nil
        filter.from = UIFormat.parseLocalInput(value("from"))
        filter.to = UIFormat.parseLocalInput(value("to"))
        filter.search = value("q")
        filter.sessionId = value("sessionId")
        filter.userId = value("userId")
        let sort = value("sort").flatMap(InteractionSort.init(rawValue:)) ?? .newest
        let form: [String: Any] = [
            "from": value("from") ?? "", "to": value("to") ?? "", "q": value("q") ?? "", "refused": filter.refusedOnly,
            "tainted": filter.taintedOnly, "sessionId": value("sessionId") ?? "",
        ]
        return (filter, sort, form)
    }

    func list(_ request: Request, state: UIRequestState) async throws -> Response {
        let (filter, sort, form) = Self.filter(from: request)
        let cursor = request.uri.queryParameters["after"].flatMap { InteractionCursor(token: String($0)) }
        let page = try await ui.store.browseInteractions(filter, sort: sort, after: cursor, limit: Self.pageSize)
        let count = try await ui.store.countInteractions(filter)
        let query = Self.query(of: request, without: ["after"])
        let statusOptions: [(String, String)] = [("2", "2xx"), ("4", "4xx"), ("5", "5xx"), ("429", "429"), ("502", "502")]
        let types = ["openai:chatCompletions", "openai:responses", "anthropic:messages", "gemini:generateContent"]
        let context: [String: Any] = [
            "rows": page.rows.map(Self.row), "filter": form, "sort": sort.rawValue,
            "countText": count >= 10_000 ? "more than 10,000 interactions" : "\(UIFormat.count(count)) interaction\(count == 1 ? "" : "s")",
            // The live tail counts the rows it adds, from an exact count only.
            "liveCount": count >= 10_000 ? nil as Int? as Any : count,
            "sorts": InteractionSort.allCases.map { option -> [String: Any] in
                ["label": option.rawValue, "current": option == sort, "href": "/ui/logs?" + Self.query(of: request, without: ["after", "sort"], adding: ["sort": option.rawValue])]
            },
            "nextPage": page.next.map { "/ui/logs?" + Self.query(of: request, without: ["after"], adding: ["after": $0.token]) } as Any,
            "firstPage": cursor == nil ? nil as String? as Any : "/ui/logs?" + query,
            // The live tail adds newer rows at the top: only on the first page of the newest-first order.
            "live": cursor == nil && sort == .newest, "liveSrc": "/ui/logs/stream?" + Self.query(of: request, without: ["after", "sort"]),
            "agentOptions": try await ui.agentOptions(selected: filter.agentId),
            "typeOptions": types.map { ["value": $0, "selected": $0 == filter.type] as [String: Any] },
            "statusOptions": statusOptions.map { ["value": $0.0, "label": $0.1, "selected": Int($0.0) == filter.status] as [String: Any] },
        ]
        return ui.renderer.page("logs", title: "Logs", section: "logs", state: state, context: context)
    }

    /// A row of the logs table (also sent by the live tail).
    static func row(_ row: InteractionListRow) -> [String: Any] {
        let summary = row.summary
        return [
            "id": row.id.lowercasedString, "time": UIFormat.time(row.createdAt), "agentId": row.agentId.lowercasedString,
            "agentName": row.agentName, "type": row.type, "model": row.model ?? "", "user": summary?.userText ?? "",
            "reply": summary?.replyText ?? "", "calls": (summary?.toolCalls ?? []).map { ["name": $0.name, "allowed": $0.allowed] as [String: Any] },
            "tainted": summary?.tainted ?? false, "status": row.statusCode, "statusClass": row.statusCode / 100,
            "duration": UIFormat.milliseconds(row.durationMs),
            "tokens": UIFormat.tokens(row.usage?.totalTokens), "cost": UIFormat.dollars(row.usage?.totalCost),
        ]
    }

    /// The request's query, some parameters removed or set, percent-encoded.
    static func query(of request: Request, without removed: Set<String>, adding added: [String: String] = [:]) -> String {
        var pairs: [(String, String)] = []
        for (name, value) in request.uri.queryParameters where !removed.contains(String(name)) && added[String(name)] == nil {
            pairs.append((String(name), String(value)))
        }
        pairs += added.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
