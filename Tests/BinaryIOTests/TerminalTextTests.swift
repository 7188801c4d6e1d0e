import Testing
import BinaryIO

/// Control characters in names from an input are escaped for a terminal (issue 22).
@Suite struct TerminalTextTests {
    @Test func controlsAreEscaped() {
        #expect(TerminalText.escape("main.work") == "main.work")
        #expect(TerminalText.escape("é→✓") == "é→✓")
        #expect(TerminalText.escape("\u{1b}]0;pwn\u{07}") == "\\x1b]0;pwn\\x07")
        #expect(TerminalText.escape("a\nb\tc\rd\u{7f}\u{9b}\u{85}") == "a\\x0ab\\x09c\\x0dd\\x7f\\x9b\\x85")
        #expect(TerminalText.escape("line 1\n\tline 2\u{1b}", keepingLineBreaks: true) == "line 1\n\tline 2\\x1b")
        #expect(!TerminalText.needsEscape("\u{a0}\u{100}"))
        #expect(TerminalText.needsEscape("\u{80}"))
    }
}
