/* Symbols at one address, for perf's pick among them (symbols__fixup_duplicate / choose_best_symbol),
 * and a symbol only .dynsym names (after `objcopy --strip-symbol`). Each hot_X is a loop, run in turn;
 * its aliases are gcc alias attributes, sizes and the label set in assembly:
 *   a: local hot_a, weak a_weak_long_name, global __a_global         -> global beats weak and local
 *   b: global __b_two, _b_much_longer_name, b                        -> fewer leading underscores
 *   c: local hot_c, c_short, c_longest_name_here, c_mid_name         -> the longest name
 *   d: global d_one1, d_two2 (one length, one rank)                  -> a tie
 *   e: global e_zero (size 0), local hot_e                           -> a size beats none
 *   f: global f_small (size 8), local hot_f                          -> a global of 8 bytes
 *   g: global label g_label (no type, size 0), local hot_g           -> a function beats a label
 *   x: global x_only, no alias: `objcopy --strip-symbol=x_only` leaves it in .dynsym only
 * Built with gcc -O1 -fno-omit-frame-pointer -rdynamic (the globals go to .dynsym too), -DVARIANT=... */
#include <stdlib.h>

#ifndef VARIANT
#define VARIANT "aliases"
#endif
/* Each build its own bytes, so its own build-id (strip keeps the note): a build-id finds one build. */
__attribute__((used)) static const char variant[] = VARIANT;

#define HOT(name) \
    __attribute__((noinline, used)) static long name(long n) { \
        volatile long s = 0; \
        for (long i = 0; i < n; i++) s += i ^ (s >> 3); \
        return s; \
    }
HOT(hot_a) HOT(hot_b) HOT(hot_c) HOT(hot_d) HOT(hot_f)
/* hot_e and hot_g in assembly: e_zero a function symbol without a size, g_label a symbol without a type. */
#define ASM_HOT(name, alias) \
    __asm__(".text\n.type " #name ",@function\n" #name ":\n" alias \
            "push %rbp\nmov %rsp, %rbp\nmov %rdi, %rcx\n1: dec %rcx\njnz 1b\nmov %rcx, %rax\npop %rbp\nret\n" \
            ".size " #name ", .-" #name "\n");
ASM_HOT(hot_e, ".globl e_zero\n.type e_zero,@function\ne_zero:\n")
ASM_HOT(hot_g, ".globl g_label\ng_label:\n")
long hot_e(long), hot_g(long);
__attribute__((noinline)) long x_only(long n) {
    volatile long s = 0;
    for (long i = 0; i < n; i++) s += i ^ (s >> 3);
    return s;
}

#define ALIAS(kind, name, target) kind long name(long) __attribute__((alias(#target)));
ALIAS(extern __attribute__((weak)), a_weak_long_name, hot_a)
ALIAS(extern, __a_global, hot_a)
ALIAS(extern, __b_two, hot_b)
ALIAS(extern, _b_much_longer_name, hot_b)
ALIAS(extern, b, hot_b)
ALIAS(static __attribute__((used)), c_short, hot_c)
ALIAS(static __attribute__((used)), c_longest_name_here, hot_c)
ALIAS(static __attribute__((used)), c_mid_name, hot_c)
ALIAS(extern, d_one1, hot_d)
ALIAS(extern, d_two2, hot_d)
ALIAS(extern, f_small, hot_f)
/* The last .size of a symbol is the one kept. */
__asm__(".size f_small, 8\n");

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000000;
    long (*const hot[])(long) = {hot_a, hot_b, hot_c, hot_d, hot_e, hot_f, hot_g, x_only};
    long s = 0;
    for (unsigned k = 0; k < sizeof hot / sizeof hot[0]; k++) s += hot[k](n);
    return (int)(s & 1);
}
