import ArchestraCore
import HTTPTypes

/// Who pays for a provider call: decided once per request, then applied the same way to the proxied call and to
/// the Dual LLM's own calls, so the two paths cannot drift apart.
public enum Payer: Sendable, Equatable {
    /// The client's own key, sent where the client put it.
    case client
    /// The server-side key of the vendor called (the request was authenticated by the gateway).
    case server(key: String)
    /// Nobody: the call goes out without a key and the vendor answers 401.
    case nobody

    /// Who pays for a call to `target` made while serving a request to `origin` that `self` pays for: the
    /// client's key is only good at its own vendor, and the server's keys only for requests the gateway
    /// authenticated (a virtual key). A key of the client's own proves nothing to the gateway (any string would
    /// do), so it never unlocks the server's keys: its calls to another vendor get nobody.
    public func forCall(to target: Provider, from origin: Provider, serverKeys: [Provider: String]) -> Payer {
        switch self {
        case .client where target == origin: return .client
        case .client, .nobody: return .nobody
        case .server: return serverKeys[target].map { .server(key: $0) } ?? .nobody
        }
    }
}

/// A key a request presents, and where.
public struct PresentedKey: Sendable, Equatable {
    public var location: KeyLocation
    /// The key itself (without `Bearer `).
    public var value: String

    public init(location: KeyLocation, value: String) {
        self.location = location
        self.value = value
    }
}

extension Vendor {
    /// The first key the client sent where this vendor's SDKs put one.
    public func presentedKey(in headers: HTTPFields, queryKey: String?) -> PresentedKey? {
        for location in keyLocations {
            if let value = KeyLocation.read(location, headers: headers, queryKey: queryKey) {
                return PresentedKey(location: location, value: value)
            }
        }
        return nil
    }

    /// The key fields to put on a call this payer pays for: the client's own key fields as it sent them, the
    /// server's key, or nothing. A key in the URL query is the caller's to carry.
    public func keyFields(for payer: Payer, clientHeaders: HTTPFields) -> [HTTPField] {
        switch payer {
        case .nobody:
            return []
        case .server(let key):
            return [serverKeyField(key)]
        case .client:
            var fields: [HTTPField] = []
            for case .header(let name) in keyLocations.map(Self.headerLocation) {
                fields += clientHeaders.fields(named: name)
            }
            return fields
        }
    }

    private static func headerLocation(_ location: KeyLocation) -> KeyLocation {
        location == .bearer ? .header(.authorization) : location
    }
}

extension KeyLocation {
    /// The key at a location, if one is there.
    public static func value(at location: KeyLocation, headers: HTTPFields, queryKey: String?) -> String? {
        read(location, headers: headers, queryKey: queryKey)
    }

    /// The key at a location, if one is there.
    static func read(_ location: KeyLocation, headers: HTTPFields, queryKey: String?) -> String? {
        switch location {
        case .bearer:
            guard let value = headers[.authorization] else { return nil }
            let scheme = "bearer "
            guard value.utf8.count > scheme.utf8.count, value.prefix(scheme.count).lowercased() == scheme else { return value }
            return String(value.dropFirst(scheme.count))
        case .header(let name):
            return headers[name]
        case .queryKey:
            return queryKey
        }
    }
}

extension HTTPFields {
    /// Every field with this name, in order.
    func fields(named name: HTTPField.Name) -> [HTTPField] {
        filter { $0.name == name }
    }
}
