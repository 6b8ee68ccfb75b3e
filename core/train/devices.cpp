#include "core/train/devices.h"

#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>
#include <thread>

namespace gossiplab {

std::vector<torch::Device> parseDevices(const std::string& devices) {
    std::vector<torch::Device> out;
    const int cuda_count = torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
    if (devices == "cpu") return {torch::Device(torch::kCPU)};
    if (devices == "cuda") {
        if (cuda_count == 0)
            throw std::runtime_error("devices: 'cuda' was asked for, but LibTorch sees no CUDA device "
                                     "(a CPU-only LibTorch build, or no GPU); use --devices cpu");
        for (int k = 0; k < cuda_count; ++k) out.emplace_back(torch::kCUDA, static_cast<c10::DeviceIndex>(k));
        return out;
    }
    std::stringstream in(devices);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item == "cpu") { out.emplace_back(torch::kCPU); continue; }
        const int index = std::stoi(item.substr(5));
        if (index >= cuda_count)
            throw std::runtime_error("devices: '" + item + "' was asked for, but LibTorch sees " +
                                     std::to_string(cuda_count) + " CUDA device(s)");
        out.emplace_back(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    return out;
}

torch::Device deviceForWorker(const std::vector<torch::Device>& devices, int worker) {
    return devices[static_cast<size_t>(worker) % devices.size()];
}

int intraOpThreadsPerWorker(int requested, int workers) {
    if (requested > 0) return requested;
    const int cores = std::max(1u, std::thread::hardware_concurrency());
    return std::max(1, cores / std::max(1, workers));
}

void serialIntraOpOnThisThread() {
    at::internal::lazy_init_num_threads();
    // omp_set_num_threads is per thread (at::set_num_threads also resizes a process-wide pool).
    // Looked up at run time: a LibTorch without OpenMP has none, and nothing needs doing.
    using SetNumThreads = void (*)(int);
    static const auto omp_set_num_threads = reinterpret_cast<SetNumThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
    if (omp_set_num_threads) omp_set_num_threads(1);
}

void niceThisThread(int nice) {
#ifdef __linux__
    // PRIO_PROCESS with a thread id sets that thread's nice value alone (setpriority(2), NOTES).
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
#else
    (void)nice;
#endif
}

std::vector<std::string> availableCudaDevices() {
    std::vector<std::string> names;
    if (!torch::cuda::is_available()) return names;
    for (size_t k = 0; k < torch::cuda::device_count(); ++k) names.push_back("cuda:" + std::to_string(k));
    return names;
}

}  // namespace gossiplab
