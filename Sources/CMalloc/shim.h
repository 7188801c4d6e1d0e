// glibc malloc tuning (mallopt): not part of the Glibc Swift module.
#include <malloc.h>
