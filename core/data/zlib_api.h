#pragma once
// zlib's gz* API: the real <zlib.h>, or, where only zlib's library is installed (CMake then
// defines GOSSIPLAB_ZLIB_DECLARATIONS), the reader's own copy of the declarations it uses.
#ifdef GOSSIPLAB_ZLIB_DECLARATIONS
#include "core/data/zlib_declarations.h"
#else
#include <zlib.h>
#endif
