#pragma once
// SQLite's C API: the real <sqlite3.h>, or, where only SQLite's library is installed (CMake then
// defines GOSSIPLAB_SQLITE_DECLARATIONS), the store's own copy of the declarations it uses.
#ifdef GOSSIPLAB_SQLITE_DECLARATIONS
#include "core/store/sqlite3_declarations.h"
#else
#include <sqlite3.h>
#endif
