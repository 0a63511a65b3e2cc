import Foundation
import Testing

/// The start tags of an HTML document, read the way a browser's tokenizer reads them (comments skipped, the
/// content of `<script>`, `<style>`, `<textarea>` and `<title>` read as text up to its own end tag), so a check can
/// see what elements and attributes a page really has, not just what its text contains.
struct HTMLTag: CustomStringConvertible {
    var name: String
    var attributes: [(name: String, value: String)]

    func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }

    var description: String { "<\(name) \(attributes.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: " "))>" }
}

enum HTMLScan {
    /// Elements whose content is text up to their end tag.
    static let rawText: Set<String> = [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    ]

    static func tags(_ html: String) -> [HTMLTag] {
        let text = Array(html.unicodeScalars)
        var tags: [HTMLTag] = []
        var index = 0
        func isNameScalar(_ scalar: Unicode.Scalar) -> Bool { !" \t\n\r\u{0C}/>".unicodeScalars.contains(scalar) }
        func starts(_ prefix: String, at position: Int) -> Bool {
            let scalars = Array(prefix.unicodeScalars)
            guard position + scalars.count <= text.count else { return false }
            return zip(text[position..<position + scalars.count], scalars).allSatisfy {
                String($0).lowercased() == String($1).lowercased()
            }
        }
        while index < text.count {
            guard text[index] == "<" else {
                index += 1
                continue
            }
            if starts("<!--", at: index) {
                index += 4
                while index < text.count, !starts("-->", at: index) { index += 1 }
                index += 3
                continue
            }
            guard index + 1 < text.count, text[index + 1].properties.isAlphabetic, text[index + 1].isASCII else {
                index += 1
                continue
            }
            index += 1
            var name = ""
            while index < text.count, isNameScalar(text[index]) {
                name.unicodeScalars.append(text[index])
                index += 1
            }
            name = name.lowercased()
            var attributes: [(name: String, value: String)] = []
            while index < text.count, text[index] != ">" {
                if " \t\n\r\u{0C}/".unicodeScalars.contains(text[index]) {
                    index += 1
                    continue
                }
                var attribute = ""
                while index < text.count, isNameScalar(text[index]), text[index] != "=" {
                    attribute.unicodeScalars.append(text[index])
                    index += 1
                }
                if attribute.isEmpty, index < text.count, text[index] == "=" {
                    attribute = "="
                    index += 1
                }
                var value = ""
                while index < text.count, " \t\n\r\u{0C}".unicodeScalars.contains(text[index]) { index += 1 }
                if index < text.count, text[index] == "=" {
                    index += 1
                    while index < text.count, " \t\n\r\u{0C}".unicodeScalars.contains(text[index]) { index += 1 }
                    if index < text.count, text[index] == "\"" || text[index] == "'" {
                        let quote = text[index]
                        index += 1
                        while index < text.count, text[index] != quote {
                            value.unicodeScalars.append(text[index])
                            index += 1
                        }
                        index += 1
                    } else {
                        while index < text.count, !" \t\n\r\u{0C}>".unicodeScalars.contains(text[index]) {
                            value.unicodeScalars.append(text[index])
                            index += 1
                        }
                    }
                }
                attributes.append((attribute.lowercased(), decodeEntities(value)))
            }
            index += 1
            tags.append(HTMLTag(name: name, attributes: attributes))
            if rawText.contains(name) {
                while index < text.count, !starts("</\(name)", at: index) { index += 1 }
            }
        }
        return tags
    }

    /// The character references the templates' escaping produces, and numeric ones.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = text
        if let regex = try? NSRegularExpression(pattern: "&#(x?)([0-9a-fA-F]+);?") {
            for match in regex.matches(in: output, range: NSRange(output.startIndex..., in: output)).reversed() {
                guard let whole = Range(match.range, in: output), let hex = Range(match.range(at: 1), in: output),
                    let digits = Range(match.range(at: 2), in: output),
                    let code = UInt32(output[digits], radix: output[hex].isEmpty ? 10 : 16),
                    let scalar = Unicode.Scalar(code)
                else { continue }
                output.replaceSubrange(whole, with: String(scalar))
            }
        }
        for (entity, character) in [
            ("&quot;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&colon;", ":"), ("&Tab;", "\t"), ("&NewLine;", "\n"),
            ("&amp;", "&"),
        ] {
            output = output.replacingOccurrences(of: entity, with: character)
        }
        return output
    }

    /// Tag names the UI's own templates use (read from `Sources/ArchestraServer/UI/Templates`), so a check can
    /// tell any other element apart as injected.
    static let templateTagNames: Set<String> = {
        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../Sources/ArchestraServer/UI/Templates"
        )
        .standardizedFileURL
        var names: Set<String> = []
        let files = (try? FileManager.default.contentsOfDirectory(atPath: templates.path)) ?? []
        for file in files where file.hasSuffix(".mustache") {
            let text = (try? String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)) ?? ""
            names.formUnion(allMatches(#"<([a-zA-Z][a-zA-Z0-9-]*)"#, in: text).map { $0.lowercased() })
        }
        precondition(
            names.contains("html") && names.contains("form"), "the templates were not found at \(templates.path)")
        return names
    }()
}

/// Checks a page has no markup a value could have injected: the only script is the gateway's own (with the
/// nonce), no event-handler attribute, no `javascript:` or `data:` URL, no element the templates do not use.
func expectNoInjectedMarkup(_ html: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let tags = HTMLScan.tags(html)
    let scripts = tags.filter { $0.name == "script" }
    #expect(scripts.count <= 1, "\(what): scripts \(scripts)", sourceLocation: sourceLocation)
    for script in scripts {
        #expect(
            script.attribute("src") == "/ui/static/app.js" && script.attribute("nonce")?.count == 32,
            "\(what): \(script)", sourceLocation: sourceLocation)
    }
    for tag in tags {
        #expect(
            HTMLScan.templateTagNames.contains(tag.name), "\(what): an element no template has: \(tag)",
            sourceLocation: sourceLocation)
        for attribute in tag.attributes {
            #expect(!attribute.name.hasPrefix("on"), "\(what): event handler \(tag)", sourceLocation: sourceLocation)
            #expect(
                !["srcdoc", "formaction"].contains(attribute.name) || attribute.value.hasPrefix("/ui/"),
                "\(what): \(tag)", sourceLocation: sourceLocation)
            if ["href", "src", "action", "formaction", "xlink:href", "data-live-src"].contains(attribute.name) {
                let url = attribute.value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().filter {
                    !$0.isWhitespace
                }
                #expect(
                    url.hasPrefix("/") && !url.hasPrefix("//") && !url.hasPrefix("/\\"), "\(what): URL \(tag)",
                    sourceLocation: sourceLocation)
            }
        }
    }
}
