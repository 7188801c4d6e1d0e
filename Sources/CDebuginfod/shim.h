#include <elfutils/debuginfod.h>
#include <dlfcn.h>

// libdebuginfod is loaded when a server is first asked (dlopen), not linked: linking it loads libcurl
// and its TLS stack into every run (about 8 ms of start-up here) for lookups most runs never make.
// Pointers to its functions, typed from its own header.
typedef __typeof__(debuginfod_begin) *stackfold_debuginfod_begin;
typedef __typeof__(debuginfod_end) *stackfold_debuginfod_end;
typedef __typeof__(debuginfod_set_user_data) *stackfold_debuginfod_set_user_data;
typedef __typeof__(debuginfod_get_user_data) *stackfold_debuginfod_get_user_data;
typedef __typeof__(debuginfod_set_progressfn) *stackfold_debuginfod_set_progressfn;
typedef __typeof__(debuginfod_find_executable) *stackfold_debuginfod_find_executable;
