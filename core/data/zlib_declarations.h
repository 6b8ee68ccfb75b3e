#pragma once
// The five gz* functions of zlib that the IDX reader uses, declared here for machines that have
// zlib's library (libz.so.1 is on every Linux system) but not its development files, as a GPU
// server with only a PyTorch installation may be. zlib's gz* API has been stable since 1.2.4.
// tests/core/test_zlib_declarations.cpp compiles them next to the real <zlib.h>, so that any
// difference is a compile error on every CI build.
//
// Used only when CMake found no zlib.h (GOSSIPLAB_ZLIB_DECLARATIONS); include
// core/data/zlib_api.h, not this file.

extern "C" {
typedef struct gzFile_s* gzFile;

gzFile gzopen(const char* path, const char* mode);
int gzbuffer(gzFile file, unsigned size);
int gzread(gzFile file, void* buf, unsigned len);
const char* gzerror(gzFile file, int* errnum);
int gzclose(gzFile file);
}
