// A C-only build of the cgo fixture's C code (gcc -O2 -g, uncompressed DWARF 5): small enough to corrupt
// byte by byte in tests, and a check of the DWARF reader on a binary without any Go.
#include <stdio.h>
#include <stdlib.h>
#include "../cwork.h"

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 4;
    unsigned char buf[4099];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7);
    printf("%u %lld %f\n", c_hash(buf, sizeof buf, rounds), (long long)c_sum_squares(20000), c_poly(0.5, 1000));
    return 0;
}
