#pragma once
// Which BLAS this process's LibTorch computes with. Debian's LibTorch calls whatever
// libblas.so.3 the alternatives system points at: the netlib reference BLAS on a default install
// (about 2.5x slower LeNet training here), OpenBLAS once libopenblas0-openmp is installed.
// PyTorch's own builds carry MKL or OpenBLAS inside and export no BLAS symbols.

#include <string>

namespace gossiplab {

struct BlasInfo {
    std::string name;     // e.g. "OpenBLAS 0.3.21 (OpenMP threads)", "reference BLAS (netlib)"
    std::string library;  // the file it was loaded from, links resolved; empty when none is exported
    bool reference = false;  // the slow netlib reference implementation
};

// Looks at the BLAS already loaded into this process (LibTorch's); cheap, no side effects.
BlasInfo loadedBlas();
// "BLAS: <name> (<library>)", one line for --version, selftest and the benchmarks.
std::string blasSummary();
// Non-empty when the reference BLAS is loaded: the warning to print once at start, naming the
// package to install.
std::string referenceBlasWarning();

}  // namespace gossiplab
