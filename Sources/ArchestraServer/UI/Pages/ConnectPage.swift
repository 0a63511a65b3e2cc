import ArchestraCore
import ArchestraProviders
import Foundation
import HTTPTypes
import Hummingbird

/// `/ui/connect`: copy-paste snippets for the SDKs with this gateway's own URLs, and how it is set up.
struct ConnectPage {
    let ui: UIContext

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("connect") { request, context -> Response in
            let config = ui.proxy.config
            let origin = Self.origin(of: request, config: config)
            let serverKeys = Provider.allCases.filter { config.serverKeys[$0] != nil }.map(\.rawValue)
            return ui.renderer.page("connect", title: "Connect", section: "connect", state: context.ui, context: [
                "origin": origin, "store": config.database.summary, "version": HealthRoutes.version,
                "adminToken": config.adminToken == nil ? "not set: the admin API and this UI are open" : "set",
                "virtualKeys": config.requireVirtualKey ? "required" : "optional (clients may use their own provider keys)",
                "serverKeys": serverKeys.isEmpty ? "none" : serverKeys.joined(separator: ", "),
                "snippets": Self.snippets(origin: origin).map { ["title": $0.title, "slug": $0.slug, "code": $0.code] },
            ])
        }
    }

    /// `http(s)://host:port` as the browser reached the gateway (behind a proxy, its forwarded scheme).
    static func origin(of request: Request, config: AppConfig) -> String {
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https" ? "https" : "http"
        let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] ?? "\(config.host):\(config.port)"
        return "\(scheme)://\(host)"
    }

    /// An agent's base URL for each provider.
    static func baseURLs(origin: String, agentId: UUID) -> [[String: String]] {
        let id = agentId.lowercasedString
        return [
            ["label": "OpenAI (chat completions and responses)", "slug": "openai", "url": "\(origin)/v1/openai/\(id)"],
            ["label": "Anthropic (messages)", "slug": "anthropic", "url": "\(origin)/v1/anthropic/\(id)"],
            ["label": "Google Gemini (generateContent)", "slug": "gemini", "url": "\(origin)/v1/gemini/\(id)"],
        ]
    }

    static func snippets(origin: String) -> [(title: String, slug: String, code: String)] {
        [
            ("OpenAI, Python", "openai-python", """
            from openai import OpenAI
            client = OpenAI(base_url="\(origin)/v1/openai", api_key="sk-arch-…")
            client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hello"}])
            client.responses.create(model="gpt-4o", input="Hello")
            """),
            ("OpenAI, TypeScript", "openai-ts", """
            import OpenAI from "openai";
            const client = new OpenAI({ baseURL: "\(origin)/v1/openai", apiKey: "sk-arch-…" });
            await client.responses.create({ model: "gpt-4o", input: "Hello" });
            """),
            ("Anthropic, Python", "anthropic-python", """
            from anthropic import Anthropic
            client = Anthropic(base_url="\(origin)/v1/anthropic", api_key="sk-arch-…")
            client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=[{"role": "user", "content": "Hello"}])
            """),
            ("Anthropic, TypeScript", "anthropic-ts", """
            import Anthropic from "@anthropic-ai/sdk";
            const client = new Anthropic({ baseURL: "\(origin)/v1/anthropic", apiKey: "sk-arch-…" });
            """),
            ("Google Gen AI, Python", "genai-python", """
            from google import genai
            client = genai.Client(api_key="sk-arch-…", http_options={"base_url": "\(origin)/v1/gemini"})
            client.models.generate_content(model="gemini-2.5-flash", contents="Hello")
            """),
            ("Google Gen AI, TypeScript", "genai-ts", """
            import { GoogleGenAI } from "@google/genai";
            const ai = new GoogleGenAI({ apiKey: "sk-arch-…", httpOptions: { baseUrl: "\(origin)/v1/gemini" } });
            """),
            ("curl", "curl", """
            curl \(origin)/v1/openai/chat/completions \\
              -H "Authorization: Bearer sk-arch-…" -H "Content-Type: application/json" \\
              -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}'
            """),
        ]
    }
}
