#include "core/common/blas_info.h"

#include <dlfcn.h>

#include <climits>
#include <cstdlib>

namespace gossiplab {

namespace {

// A symbol of the library that provides sgemm_ (or of any loaded library when `library` is null).
// Asking that library alone matters: OpenBLAS's LAPACK may be loaded beside the reference BLAS.
template <typename Fn>
Fn symbol(void* library, const char* name) {
    return reinterpret_cast<Fn>(dlsym(library ? library : RTLD_DEFAULT, name));
}

std::string resolvedPath(const char* path) {
    char resolved[PATH_MAX];
    return realpath(path, resolved) ? std::string(resolved) : std::string(path);
}

}  // namespace

BlasInfo loadedBlas() {
    BlasInfo info;
    void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
    Dl_info where{};
    void* library = nullptr;
    if (sgemm && dladdr(sgemm, &where) && where.dli_fname) {
        info.library = resolvedPath(where.dli_fname);
        library = dlopen(where.dli_fname, RTLD_LAZY | RTLD_NOLOAD);  // already loaded: no side effects
    }

    if (auto config = symbol<char* (*)()>(library, "openblas_get_config")) {
        info.name = config();
        // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64": keep name and version.
        const auto second_space = info.name.find(' ', info.name.find(' ') + 1);
        if (second_space != std::string::npos) info.name.resize(second_space);
        if (auto parallel = symbol<int (*)()>(library, "openblas_get_parallel")) {
            const int mode = parallel();
            info.name += mode == 2 ? " (OpenMP threads)" : mode == 1 ? " (pthreads)" : " (single-threaded)";
        }
    } else if (auto blis = symbol<const char* (*)()>(library, "bli_info_get_version_str")) {
        info.name = std::string("BLIS ") + blis();
    } else if (symbol<void*>(library, "mkl_get_max_threads") || symbol<void*>(library, "MKL_Get_Max_Threads")) {
        info.name = "Intel MKL";
    } else if (sgemm) {
        // Debian's reference BLAS is its alternative's .../blas/libblas.so.3 (ATLAS: .../atlas/).
        info.reference = info.library.find("/blas/libblas.so") != std::string::npos;
        info.name = info.reference ? "reference BLAS (netlib)" : "unknown BLAS";
    } else {
        info.name = "LibTorch's own (no BLAS library exported; PyTorch builds carry MKL or OpenBLAS inside)";
    }
    if (library) dlclose(library);  // drops only the reference dlopen took
    return info;
}

std::string blasSummary() {
    const BlasInfo b = loadedBlas();
    return "BLAS: " + b.name + (b.library.empty() ? "" : " (" + b.library + ")");
}

std::string referenceBlasWarning() {
    const BlasInfo b = loadedBlas();
    if (!b.reference) return {};
    return "warning: LibTorch is using the slow reference BLAS (" + b.library +
           "); training runs about 2.5x faster with an optimised one: sudo apt-get install libopenblas0-openmp";
}

}  // namespace gossiplab
