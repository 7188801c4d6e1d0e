#include <elfutils/debuginfod.h>
