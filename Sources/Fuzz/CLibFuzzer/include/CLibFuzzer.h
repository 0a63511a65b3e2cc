#ifndef ARCHESTRA_CLIBFUZZER_H
#define ARCHESTRA_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, linked by -sanitize=fuzzer). The fuzzers call it from their own `main`
/// because SwiftPM links every executable with `main` aliased to the Swift entry point, so libFuzzer's `main`
/// cannot be the one that runs.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
