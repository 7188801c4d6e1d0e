/* A kernel module's code as perf reads it from a .ko (ET_REL: symbol values relative to their section):
 * two functions in .text, and code in .init.text and .text.unlikely whose symbols also start at 0 of their
 * own sections, which perf does not map onto the module's .text. Built with `gcc -O1 -fno-pic -c`.
 * Fixtures/generate-script-kmod.sh moves kernel frames of a real capture into this module's map. */
void foo_caller(void);
__attribute__((noinline)) void foo_leaf(void) { __asm__ volatile(".fill 0xf0, 1, 0x90"); }
__attribute__((noinline)) void foo_caller(void) { foo_leaf(); __asm__ volatile(".fill 0xf0, 1, 0x90"); }
__attribute__((noinline, section(".init.text"))) int foo_init(void) { __asm__ volatile(".fill 0x1f0, 1, 0x90"); return 0; }
__attribute__((noinline, section(".text.unlikely"))) int foo_cold(void) { __asm__ volatile(".fill 0x1f0, 1, 0x90"); return 1; }
