// perf script's symbol corners in one process (issue 18), each where perf script names frames its own way:
//   jit_*      code copied into anonymous executable memory, named by /tmp/perf-PID.map as JITs write it
//              (one entry of size 0, one gap without an entry);
//   zerosize   a function symbol without .size (hand-written assembly often has none) and a label
//              (zerosize_loop, STT_NOTYPE) inside it, as ld.so's _start and _dl_start_user;
//   endcall_*  functions whose last instruction is a call: the return address lies just past the symbol,
//              at the next symbol (endcall_next) or in padding no symbol covers (endcall_gap);
//   recurse    a recursion deeper than perf script's default --max-stack (127).
// Built with gcc -O1 -fno-omit-frame-pointer; run as `corners SECONDS` under perf record -g.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

__asm__(
    ".text\n"
    ".globl zerosize\n"
    ".type zerosize,@function\n"  // no .size: st_size 0
    "zerosize:\n"
    "  push %rbp\n  mov %rsp,%rbp\n  mov %rdi,%rcx\n"
    "0: dec %rcx\n  jnz 0b\n"
    "  mov %rdi,%rcx\n"
    ".globl zerosize_loop\n"  // a label (STT_NOTYPE): perf names the code after it by it
    "zerosize_loop:\n"
    "  nop\n"
    "1: dec %rcx\n  jnz 1b\n"
    "  pop %rbp\n  ret\n"
    ".p2align 4\n"
    ".globl endcall_next\n.type endcall_next,@function\n"
    "endcall_next:\n  push %rbp\n  mov %rsp,%rbp\n  call phase_gap\n"
    ".size endcall_next, .-endcall_next\n"
    ".globl after_next\n.type after_next,@function\n"
    "after_next:\n  ud2\n"
    ".size after_next, .-after_next\n"
    ".p2align 4\n"
    ".globl endcall_gap\n.type endcall_gap,@function\n"
    "endcall_gap:\n  push %rbp\n  mov %rsp,%rbp\n  call phase_last\n"
    ".size endcall_gap, .-endcall_gap\n"
    "  ud2\n  ud2\n"  // padding no symbol covers
    ".p2align 4\n");

void zerosize(long n);
void endcall_next(void) __attribute__((noreturn));
void endcall_gap(void) __attribute__((noreturn));

static double seconds;
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) void spin(long n) {
    for (volatile long i = 0; i < n; i++) {}
}

__attribute__((noinline)) void phase_last(void) {
    double end = now() + seconds;
    while (now() < end) spin(100000);
    exit(0);
}

__attribute__((noinline)) void phase_gap(void) {
    double end = now() + seconds;
    while (now() < end) spin(100000);
    endcall_gap();
}

__attribute__((noinline)) long recurse(int depth) {
    if (depth == 0) {
        spin(100000);
        return 1;
    }
    return recurse(depth - 1) + 1;  // not a tail call
}

static const unsigned char leaf[] = {  // push rbp; mov rbp,rsp; mov rcx,rdi; 1: dec rcx; jnz 1b; pop rbp; ret
    0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf9, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0x5d, 0xc3};

// push rbp; mov rbp,rsp; call <leaf at offset 0>; pop rbp; ret
static void caller(unsigned char *at, unsigned char *base) {
    static const unsigned char head[] = {0x55, 0x48, 0x89, 0xe5, 0xe8};
    memcpy(at, head, sizeof head);
    int rel = (int)(base - (at + 9));
    memcpy(at + 5, &rel, 4);
    at[9] = 0x5d;
    at[10] = 0xc3;
}

int main(int argc, char **argv) {
    seconds = argc > 1 ? atof(argv[1]) / 4 : 0.25;
    unsigned char *jit = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (jit == MAP_FAILED) return 1;
    memcpy(jit, leaf, sizeof leaf);          // jit_leaf (size 0x0e)
    caller(jit + 0x40, jit);                 // jit_caller (a name with spaces)
    caller(jit + 0x80, jit);                 // no entry: a gap in the map
    memcpy(jit + 0x100, leaf, sizeof leaf);  // an entry of size 0
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", getpid());
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    fprintf(f, "%lx e jit_leaf\n", (unsigned long)jit);
    fprintf(f, "%lx b jit caller [JIT] tier1\n", (unsigned long)(jit + 0x40));
    fprintf(f, "%lx 0 jit_zero_size\n", (unsigned long)(jit + 0x100));
    fclose(f);
    void (*leaf_fn)(long) = (void (*)(long))jit;
    void (*caller_fn)(long) = (void (*)(long))(jit + 0x40);
    void (*gap_fn)(long) = (void (*)(long))(jit + 0x80);
    void (*zero_fn)(long) = (void (*)(long))(jit + 0x100);
    double end = now() + seconds;
    long sum = 0;
    while (now() < end) {
        leaf_fn(200000);
        caller_fn(200000);
        gap_fn(200000);
        zero_fn(200000);
        zerosize(200000);
        sum += recurse(150);
    }
    fprintf(stderr, "%ld\n", sum > 0);  // stderr: in pipe mode stdout is the capture
    endcall_next();
}
