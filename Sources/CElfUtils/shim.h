#include <libelf.h>
#include <gelf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

// Function-like macros are not imported into Swift.
static inline unsigned char celf_st_type(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char celf_st_bind(unsigned char info) { return GELF_ST_BIND(info); }
