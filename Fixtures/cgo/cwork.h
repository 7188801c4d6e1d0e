// C side of the cgo fixture: functions Go calls, built -O2 -g so their static inline helpers
// are inlined (with DW_TAG_inlined_subroutine entries, up to three levels deep).
#include <stddef.h>
#include <stdint.h>

uint32_t c_hash(const unsigned char *p, size_t n, int rounds);
int64_t c_sum_squares(int64_t n);
double c_poly(double x, int terms);
