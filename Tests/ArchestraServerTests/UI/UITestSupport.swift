import ArchestraCore
import Foundation
import HTTPTypes
import NIOCore
import Synchronization
import Testing

/// A browser as far as the web UI can tell: it keeps the cookies the gateway sets, sends them back, reads the
/// CSRF token out of the pages it gets, and posts forms `application/x-www-form-urlencoded`.
final class UIBrowser: Sendable {
    let live: LiveGateway
    private let jar = Mutex<[String: String]>([:])

    init(_ live: LiveGateway) { self.live = live }

    /// The cookies it holds, by name.
    var cookies: [String: String] { jar.withLock { $0 } }

    /// Sets or replaces a cookie by hand (a tampered or foreign one).
    func setCookie(_ name: String, _ value: String?) {
        jar.withLock { $0[name] = value }
    }

    /// GETs a page (never following a redirect), sending the cookies and keeping the ones it sets.
    @discardableResult
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> LiveResponse {
        try await send(.get, uri, headers: headers, body: nil)
    }

    /// Posts a form. `csrf` is added as the form's `csrf` field unless nil.
    @discardableResult
    func post(
        _ uri: String, _ fields: [(String, String)] = [], csrf: String?, headers: HTTPFields = [:]
    ) async throws -> LiveResponse {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        let all = (csrf.map { [("csrf", $0)] } ?? []) + fields
        return try await send(.post, uri, headers: headers, body: Self.encode(all))
    }

    /// Loads `page` and posts the form with the CSRF token that page carries, as a person submitting it would.
    @discardableResult
    func submit(
        _ uri: String, _ fields: [(String, String)] = [], from page: String = "/ui/agents",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> LiveResponse {
        let token = try await csrfToken(from: page, sourceLocation: sourceLocation)
        return try await post(uri, fields, csrf: token)
    }

    /// The CSRF token a page's forms carry.
    func csrfToken(
        from page: String = "/ui/agents", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await get(page)
        return try #require(
            Self.csrfToken(in: response.bodyText), "no CSRF token on \(page)", sourceLocation: sourceLocation)
    }

    private func send(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields, body: String?
    ) async throws -> LiveResponse {
        var headers = headers
        let cookieHeader = jar.withLock { jar in
            jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        }
        if !cookieHeader.isEmpty, headers[.cookie] == nil { headers[.cookie] = cookieHeader }
        let response = try await live.send(method, uri, headers: headers, body: body)
        for cookie in response.headers[values: .setCookie] {
            guard let parsed = SetCookie(cookie) else { continue }
            jar.withLock { $0[parsed.name] = parsed.maxAge == 0 ? nil : parsed.value }
        }
        return response
    }

    /// `a=1&b=two%20words`.
    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return fields.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }
        .joined(separator: "&")
    }

    /// The first `<input type="hidden" name="csrf" value="…">` of a page.
    static func csrfToken(in html: String) -> String? {
        firstMatch(#"name="csrf" value="([0-9a-f]+)""#, in: html)
    }
}

/// A `Set-Cookie` header, parsed.
struct SetCookie {
    var name: String
    var value: String
    var attributes: [String: String]

    init?(_ header: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first = parts.first, let equals = first.firstIndex(of: "=") else { return nil }
        name = String(first[..<equals])
        value = String(first[first.index(after: equals)...])
        attributes = [:]
        for part in parts.dropFirst() {
            let pieces = part.split(separator: "=", maxSplits: 1)
            attributes[pieces[0].lowercased()] = pieces.count > 1 ? String(pieces[1]) : ""
        }
    }

    var maxAge: Int? { attributes["max-age"].flatMap { Int($0) } }
    var httpOnly: Bool { attributes["httponly"] != nil }
    var secure: Bool { attributes["secure"] != nil }
    var sameSite: String? { attributes["samesite"] }
}

extension LiveResponse {
    /// The `Set-Cookie` headers, parsed.
    var setCookies: [SetCookie] { headers[values: .setCookie].compactMap(SetCookie.init) }

    /// The `Location` of a redirect.
    var location: String? { headers[.location] }
}

/// The first capture group of a regular expression's first match.
func firstMatch(_ pattern: String, in text: String) -> String? {
    guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
        let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), match.numberOfRanges > 1,
        let range = Range(match.range(at: 1), in: text)
    else { return nil }
    return String(text[range])
}

/// Every match's first capture group.
func allMatches(_ pattern: String, in text: String) -> [String] {
    guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else {
        return []
    }
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
        Range(match.range(at: 1), in: text).map { String(text[$0]) }
    }
}

/// Checks that a response is a UI page: this status, HTML, and every security header, with the script tag
/// carrying the nonce the Content-Security-Policy names (a fresh one per response).
@discardableResult
func expectPage(
    _ response: LiveResponse, status: HTTPResponse.Status = .ok, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> String {
    let html = response.bodyText
    #expect(
        response.status == status, "\(what): status \(response.status), body: \(html.prefix(400))",
        sourceLocation: sourceLocation)
    #expect(
        response.headers[.contentType] == "text/html; charset=utf-8", "\(what): content type",
        sourceLocation: sourceLocation)
    expectSecurityHeaders(response, what, sourceLocation: sourceLocation)
    #expect(html.hasPrefix("<!doctype html>"), "\(what): not a whole page", sourceLocation: sourceLocation)
    return html
}

/// The headers every page carries: a CSP whose only script source is the gateway or this page's nonce, no framing,
/// no sniffing, no caching, no referrer.
func expectSecurityHeaders(_ response: LiveResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
{
    let csp = response.headers[.contentSecurityPolicy] ?? ""
    let nonce = firstMatch(#"script-src 'self' 'nonce-([0-9a-f]{32})'"#, in: csp)
    #expect(nonce != nil, "\(what): CSP without a nonce: \(csp)", sourceLocation: sourceLocation)
    for directive in [
        "default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "style-src 'self'",
    ] {
        #expect(csp.contains(directive), "\(what): CSP lacks \(directive)", sourceLocation: sourceLocation)
    }
    #expect(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "\(what): CSP allows inline code",
        sourceLocation: sourceLocation)
    #expect(
        response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(what): X-Frame-Options",
        sourceLocation: sourceLocation)
    #expect(
        response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(what): nosniff",
        sourceLocation: sourceLocation)
    #expect(
        response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(what): Referrer-Policy",
        sourceLocation: sourceLocation)
    #expect(response.headers[.cacheControl] == "no-store", "\(what): Cache-Control", sourceLocation: sourceLocation)
    if let nonce {
        let html = response.bodyText
        #expect(
            html.contains(#"<script src="/ui/static/app.js" nonce="\#(nonce)"></script>"#),
            "\(what): script without the CSP's nonce", sourceLocation: sourceLocation)
    }
}

/// The id of what a 303 after a form points at (`/ui/agents/<id>` → `<id>`).
func redirectedId(
    _ response: LiveResponse, prefix: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    #expect(
        response.status == .seeOther, "expected 303, got \(response.status): \(response.bodyText.prefix(300))",
        sourceLocation: sourceLocation)
    let location = try #require(response.location, "no Location", sourceLocation: sourceLocation)
    #expect(location.hasPrefix(prefix), "Location \(location) not under \(prefix)", sourceLocation: sourceLocation)
    return String(location.dropFirst(prefix.count))
}

extension LiveGateway {
    /// Declares a tool through the admin API; returns its id.
    func declareTool(agentId: String, name: String, description: String? = nil) async throws -> String {
        var members: [(String, JSONValue)] = [("agentId", .string(agentId)), ("name", .string(name))]
        if let description { members.append(("description", .string(description))) }
        let response = try await sendJSON(.post, "/api/tools", jsonText(members), headers: adminHeaders)
        #expect(response.status == .ok || response.status == .created, "declare tool: \(response.bodyText)")
        return try #require(try response.json()["id"]?.stringValue)
    }
}

/// A JSON object's text from its members, in order.
func jsonText(_ members: [(String, JSONValue)]) -> String {
    JSONWriter.string(.object(JSONObject(members.map { (key: $0.0, value: $0.1) })))
}

/// The error a page shows right after a form field's label (`<label>… name="field" …</label> <span class="error">`).
func fieldError(_ html: String, _ field: String) -> String? {
    firstMatch(
        #"name="\#(field)"(?:(?!</label>).)*</label>\s*<span class="error" role="alert">([^<]*)</span>"#, in: html)
}

/// The HTML of the form with this id.
func formHTML(_ html: String, id: String) -> String? {
    firstMatch(#"(<form[^>]* id="\#(id)">.*?</form>)"#, in: html)
}

/// How Mustache escapes a value (`&`, `<`, `>`, `"`, `'`).
func htmlEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        .replacingOccurrences(of: "'", with: "&#39;")
}

extension LiveGateway {
    /// What the admin API holds that a form could change: agents, keys, tools, both policy kinds, the Dual LLM
    /// configuration.
    func adminState() async throws -> String {
        var text = ""
        for uri in [
            "/api/agents", "/api/keys", "/api/tools", "/api/trusted-data-policies",
            "/api/autonomy-policies/tool-invocation", "/api/dual-llm-config", "/api/limits", "/api/token-prices",
        ] {
            text += uri + " " + JSONWriter.string(try await getJSON(uri, headers: adminHeaders)) + "\n"
        }
        return text
    }
}
