import ArchestraCore
import ArchestraStore
import Foundation
import Hummingbird
import NIOCore

/// Server-sent events of new interactions for the logs page: every second the store is asked for rows newer
/// than the last one sent (any instance may have written them), each sent as a rendered, escaped table row.
struct LiveTail {
    let ui: UIContext
    let filter: InteractionFilter

    /// A connection ends after this long; the browser reconnects by itself.
    static let lifetime: Duration = .seconds(300)
    static let interval: Duration = .seconds(1)

    func response(request: Request) -> Response {
        let ui = self.ui
        var filter = self.filter
        filter.from = nil
        let tailFilter = filter
        let started = ContinuousClock.now
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                var cursor: InteractionCursor?
                if let newest = try await ui.store.browseInteractions(tailFilter, sort: .newest, limit: 1).rows.first {
                    cursor = InteractionCursor(value: .date(newest.createdAt), id: newest.id)
                }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                while ContinuousClock.now - started < Self.lifetime {
                    try await Task.sleep(for: Self.interval)
                    let page = try await ui.store.browseInteractions(tailFilter, sort: .oldest, after: cursor, limit: 50)
                    for row in page.rows {
                        let html = Self.oneLine(ui.renderer.fragment("log-row", context: LogPages.row(row)))
                        try await writer.write(ByteBuffer(string: "event: row\ndata: \(html)\n\n"))
                        cursor = InteractionCursor(value: .date(row.createdAt), id: row.id)
                    }
                    if page.rows.isEmpty { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// The row on one line. An event's data line ends at any line break, a carriage return included (which HTML
    /// escaping keeps): one inside a stored value (an agent's name, say) would cut the row short and start a field
    /// of the client's choosing (another event type, a retry delay), so every CR and LF becomes a space.
    static func oneLine(_ html: String) -> String {
        String(String.UnicodeScalarView(html.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : $0 }))
    }
}
