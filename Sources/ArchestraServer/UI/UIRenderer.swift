import ArchestraCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders the web UI's pages from the Mustache templates shipped with the binary (`UI/Templates`), inside one
/// layout. Every value is HTML-escaped by the template engine (`{{value}}`); no template uses the unescaped
/// form. Every page gets the security headers: a Content-Security-Policy that allows scripts only from the
/// gateway itself or with the page's nonce, no framing, no MIME sniffing, no caching, no referrer.
struct UIRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads the templates from the resource bundle.
    static func load() async throws -> UIRenderer {
        guard let directory = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw UIError.missingResources("Templates")
        }
        return UIRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    /// The navigation, in order.
    static let navigation: [(href: String, label: String, section: String)] = [
        ("/", "Overview", "overview"), ("/ui/agents", "Agents", "agents"), ("/ui/tools", "Tools & policies", "tools"),
        ("/ui/logs", "Logs", "logs"), ("/ui/dual-llm", "Dual LLM", "dual-llm"), ("/ui/costs", "Costs & limits", "costs"),
        ("/ui/connect", "Connect", "connect"),
    ]

    /// A whole page: the template rendered into the layout with the page's title, section, CSRF token and nonce.
    func page(_ template: String, title: String, section: String, state: UIRequestState, context: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let nonce = UISession.randomHex(16)
        var values = context
        values["title"] = title
        values["csrf"] = state.csrfToken ?? ""
        values["nonce"] = nonce
        values["signedIn"] = state.signedIn
        values["nav"] = Self.navigation.map { ["href": $0.href, "label": $0.label, "current": $0.section == section] as [String: Any] }
        let html = library.render(Self.pruned(values) ?? [:], withTemplate: template) ?? "<!doctype html><title>Template missing</title>"
        return Self.html(html, status: status, nonce: nonce, state: state)
    }

    /// A fragment (a table row for the live tail), without the layout.
    func fragment(_ template: String, context: [String: Any]) -> String {
        library.render(Self.pruned(context) ?? [:], withTemplate: template) ?? ""
    }

    /// The context without empty strings and absent optionals: Mustache treats both as true in a section
    /// (`{{#userId}}…{{/userId}}`), and a missing key renders as nothing, so removing them is what pages mean.
    static func pruned(_ value: Any) -> Any? {
        switch value {
        case let text as String: return text.isEmpty ? nil : text
        case let dictionary as [String: Any]:
            var kept: [String: Any] = [:]
            kept.reserveCapacity(dictionary.count)
            for (key, member) in dictionary { if let member = pruned(member) { kept[key] = member } }
            return kept
        case let array as [[String: Any]]: return array.map { pruned($0) as? [String: Any] ?? [:] }
        case let array as [Any]: return array.compactMap(pruned)
        case is Bool, is Int, is Double: return value
        default:
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else { return value }
            return mirror.children.first.flatMap { pruned($0.value) }
        }
    }

    static func html(_ html: String, status: HTTPResponse.Status, nonce: String, state: UIRequestState) -> Response {
        var headers = securityHeaders(nonce: nonce)
        headers[.contentType] = "text/html; charset=utf-8"
        for cookie in state.setCookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func securityHeaders(nonce: String) -> HTTPFields {
        [
            .contentSecurityPolicy: "default-src 'none'; script-src 'self' 'nonce-\(nonce)'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
        ]
    }

    /// A redirect after a form (303, so the browser follows with GET).
    static func redirect(to location: String, state: UIRequestState) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in state.setCookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }
}

/// The UI could not start.
enum UIError: Error, CustomStringConvertible {
    case missingResources(String)

    var description: String {
        switch self {
        case .missingResources(let name): "the web UI's \(name) are missing next to the binary (archestra_ArchestraServer.resources)"
        }
    }
}

/// What the UI knows of a request: signed in or not, its CSRF token, and cookies to set.
struct UIRequestState: Sendable {
    var signedIn = false
    var csrfToken: String?
    var setCookies: [String] = []
}
