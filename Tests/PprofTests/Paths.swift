import TestSupport

/// The shared fixture paths (Tests/TestSupport/Paths.swift).
typealias Paths = TestSupport.Paths
