#!/usr/bin/env python3
"""Reads the output of `swift test` and prints `PASSED FAILED SKIPPED`.

Counts both runners that `swift test` drives on Linux: XCTest (its closing
`Executed N tests, with M failures` line for 'All tests') and Swift Testing
(its `Test run with N tests ...` line, with failed and skipped tests counted
from their own result lines;
cancelled tests count as skipped). Prints nothing when neither ran, e.g. when the
build failed.
"""

import re
import sys

XCTEST_ALL = re.compile(r"^Test Suite 'All tests' (passed|failed)")
XCTEST_EXECUTED = re.compile(r"^\s*Executed (\d+) tests?, with (\d+) failures?")
SWIFT_TESTING_RUN = re.compile(r"^\S+ Test run with (\d+) tests?\b")
SWIFT_TESTING_FAILED = re.compile(r"^\S+ Test (?!run with |case ).+ failed after [0-9.]+ seconds")
# Cancelled tests (e.g. a database that is not configured) count as skipped.
SWIFT_TESTING_SKIPPED = re.compile(r"^\S+ Test (?!run with |case ).+ (skipped(: .*|\.)?|was cancelled after [0-9.]+ seconds.*)$")
# Progress lines ("... started.") quote test names and arguments, which may contain the words above.
STARTED = re.compile(r" started\.$")


def main():
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
    found = False
    passed = failed = skipped = 0
    after_all_tests = False
    for line in lines:
        if XCTEST_ALL.match(line):
            after_all_tests = True
            continue
        match = XCTEST_EXECUTED.match(line)
        if match and after_all_tests:
            total, failures = int(match.group(1)), int(match.group(2))
            passed += total - failures
            failed += failures
            found = True
            after_all_tests = False
    results = [line for line in lines if not STARTED.search(line)]
    swift_failed = sum(1 for line in results if SWIFT_TESTING_FAILED.match(line))
    swift_skipped = sum(1 for line in results if SWIFT_TESTING_SKIPPED.match(line))
    runs = [int(m.group(1)) for m in map(SWIFT_TESTING_RUN.match, lines) if m]
    if runs:
        total = runs[-1]
        passed += max(total - swift_failed - swift_skipped, 0)
        failed += swift_failed
        skipped += swift_skipped
        found = True
    if found:
        print(passed, failed, skipped)


if __name__ == "__main__":
    main()
