#include <zlib.h>
#include <lzma.h>

// The libraries' init macros, as functions Swift can call.
static inline int stackfold_inflate_init(z_stream *s) {
    // 15: the largest window; +32: a zlib or gzip header, detected.
    return inflateInit2(s, 15 + 32);
}

static inline int stackfold_gzip_init(z_stream *s, int level) {
    // 15 + 16: a gzip header, which zlib writes with mtime 0 (deterministic output).
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

static inline lzma_ret stackfold_xz_init(lzma_stream *s) {
    lzma_stream init = LZMA_STREAM_INIT;
    *s = init;
    // Concatenated .xz streams are one file, as xz -d reads them.
    return lzma_stream_decoder(s, UINT64_MAX, LZMA_CONCATENATED);
}
