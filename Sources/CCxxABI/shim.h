// libstdc++'s demangler, with C linkage as cxxabi.h declares it. Every Swift program on Linux links
// libstdc++ (the runtime's C++ library): declared here, it is linked in with the rest, where looking it
// up at run time found nothing in a binary that links libstdc++ statically and opened libstdc++.so.6.
#include <stddef.h>
char *__cxa_demangle(const char *mangled_name, char *output_buffer, size_t *length, int *status);
