import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The UI's stylesheet and script, read from the resource bundle once at start and served from memory: only
/// the files found there are served, so no request path ever reaches the file system.
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    let assets: [String: Asset]

    static func load() throws -> StaticAssets {
        guard let directory = Bundle.module.url(forResource: "Static", withExtension: nil) else {
            throw UIError.missingResources("static files")
        }
        var assets: [String: Asset] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            guard let type = contentTypes[(name as NSString).pathExtension] else { continue }
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            assets[name] = Asset(body: ByteBuffer(bytes: data), contentType: type)
        }
        return StaticAssets(assets: assets)
    }

    static let contentTypes = ["css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml", "png": "image/png"]

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("static/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), let asset = assets[name] else {
                throw GatewayError(status: .notFound, type: "not_found_error", message: "No such file")
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: asset.contentType, .cacheControl: "no-cache",
                    HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                ],
                body: .init(byteBuffer: asset.body)
            )
        }
    }
}
