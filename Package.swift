// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "archestra",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "archestra", targets: ["archestra"]),
        .executable(name: "archestra-policy-bench", targets: ["archestra-policy-bench"]),
        .executable(name: "archestra-reference", targets: ["archestra-reference"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(name: "ArchestraCore"),
        .target(
            name: "ArchestraProviders",
            dependencies: [
                "ArchestraCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Already in the graph through postgres-nio; used for Gemini's synthetic tool-call ids.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ArchestraStore",
            dependencies: [
                "ArchestraCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ArchestraStoreSQLite",
            dependencies: [
                "ArchestraStore", .product(name: "SQLiteNIO", package: "sqlite-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ArchestraStorePostgres",
            dependencies: [
                "ArchestraStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "ArchestraServer",
            dependencies: [
                "ArchestraCore", "ArchestraProviders", "ArchestraStore",
                "ArchestraStoreSQLite", "ArchestraStorePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("UI/Templates"), .copy("UI/Static")]
        ),
        .executableTarget(
            name: "archestra",
            dependencies: [
                "ArchestraServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "archestra-policy-bench",
            dependencies: ["ArchestraCore", "ArchestraProviders"],
            path: "Sources/PolicyBenchmark"
        ),
        .executableTarget(
            name: "archestra-store-bench",
            dependencies: ["ArchestraCore", "ArchestraStore", "ArchestraServer", .product(name: "Logging", package: "swift-log")],
            path: "Sources/StoreBenchmark"
        ),
        .executableTarget(
            name: "archestra-reference",
            dependencies: ["ArchestraCore", "ArchestraServer", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/ReferenceServer"
        ),
        // Fuzzing (scripts/fuzz.sh): the checks every fuzzer runs, shared with the regression tests that replay
        // the kept inputs; libFuzzer's driver entry point; one executable per fuzzer. Built normally, each
        // executable replays files; built with -DFUZZING and -sanitize=fuzzer, it is a libFuzzer fuzzer.
        .target(
            name: "ArchestraFuzzChecks",
            dependencies: ["ArchestraCore", "ArchestraProviders", "CLibFuzzer"],
            path: "Sources/Fuzz/ArchestraFuzzChecks"
        ),
        .target(name: "CLibFuzzer", path: "Sources/Fuzz/CLibFuzzer"),
        .executableTarget(name: "fuzz-json", dependencies: ["ArchestraFuzzChecks"], path: "Sources/Fuzz/FuzzJSON"),
        .executableTarget(name: "fuzz-route", dependencies: ["ArchestraFuzzChecks"], path: "Sources/Fuzz/FuzzRoute"),
        .executableTarget(
            name: "fuzz-stream-openai", dependencies: ["ArchestraFuzzChecks"], path: "Sources/Fuzz/FuzzStreamOpenAI"
        ),
        .executableTarget(
            name: "fuzz-stream-anthropic", dependencies: ["ArchestraFuzzChecks"], path: "Sources/Fuzz/FuzzStreamAnthropic"
        ),
        .executableTarget(
            name: "fuzz-stream-gemini", dependencies: ["ArchestraFuzzChecks"], path: "Sources/Fuzz/FuzzStreamGemini"
        ),
        .testTarget(name: "ArchestraCoreTests", dependencies: ["ArchestraCore"]),
        .testTarget(name: "ArchestraProvidersTests", dependencies: ["ArchestraProviders", "ArchestraFuzzChecks"]),
        .testTarget(
            name: "ArchestraStoreTests",
            dependencies: [
                "ArchestraStore", "ArchestraStoreSQLite", "ArchestraStorePostgres",
                // The suite reaches into both drivers (truncating tables, holding the SQLite connection busy).
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .testTarget(
            name: "ArchestraServerTests",
            dependencies: [
                "ArchestraServer",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
