#pragma once
// Device lists and thread counts.

#include <torch/torch.h>

#include <string>
#include <vector>

namespace gossiplab {

// "cpu", "cuda" (every visible GPU), or "cuda:0,cuda:1,...". Throws std::runtime_error naming the
// field when a CUDA device is asked for and LibTorch does not see it.
std::vector<torch::Device> parseDevices(const std::string& devices);
// Worker i runs on devices[i % devices.size()].
torch::Device deviceForWorker(const std::vector<torch::Device>& devices, int worker);
// LibTorch intra-op threads per worker thread: `requested` when > 0, otherwise
// max(1, cores / workers), so that M worker threads never oversubscribe the cores.
int intraOpThreadsPerWorker(int requested, int workers);
// For threads that do tensor work beside the workers (the run's monitor, the transport's
// receiver and links): their parallel regions run on this thread alone. A second OpenMP team in
// the process makes libgomp stop spinning between parallel regions, and a worker with two
// intra-op threads then waits on futex wake-ups in every small op: LeNet with one worker on two
// threads ran at 8.4k images/s instead of 15k, slower than on one thread. LibTorch's own
// once-per-thread initialisation would reset the count at the first parallel op, so it is run
// first.
void serialIntraOpOnThisThread();
// Lowers this thread's scheduling priority to `nice` (Linux: a thread's own nice value, which the
// threads it starts inherit, e.g. its OpenMP team). Best effort: a failure changes nothing.
void niceThisThread(int nice);
// Names of the CUDA devices LibTorch sees (empty on a CPU-only build or machine).
std::vector<std::string> availableCudaDevices();

}  // namespace gossiplab
