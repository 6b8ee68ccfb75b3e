// gossiplab-dist-bench: what running over several processes costs, measured side by side in one
// run on this machine's loopback (two processes: this one and a child it starts):
//   1. exchange cost: bytes per second that Gloo moves (send / receive-from-any, one model's
//      weights per message, the sender waiting for each send as GossipLab's links do) next to a
//      plain TCP copy of the same bytes between the same two processes;
//   2. training throughput of 2 processes x 1 worker vs 1 process x 2 workers (same M, same p).
// Not run by ctest: figures, not pass/fail.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/common/system_info.h"
#include "core/dist/message_auth.h"
#include "core/dist/wire.h"
#include "core/models/models.h"
#include "core/train/flat_parameters.h"
#include "core/train/run.h"

extern char** environ;

using namespace gossiplab;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

pid_t spawnSelf(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"/proc/self/exe"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) return -1;
    return pid;
}

int64_t parameterCount(const std::string& model, const InputShape& shape) {
    auto net = makeNetwork(model, shape);
    return flattenParameters(*net, torch::kCPU).count;
}

// ---- 1. exchange cost ------------------------------------------------------------------------

struct Size {
    std::string label;
    int64_t floats;
};

std::vector<Size> exchangeSizes() {
    return {{"EASGD CIFAR net", parameterCount("easgd-cifar", {3, 28, 28, 10})},
            {"LeNet", parameterCount("lenet", {1, 28, 28, 10})},
            {"10M-parameter model", 10'000'000}};
}

int repeatsFor(int64_t bytes) { return static_cast<int>(std::max<int64_t>(8, std::min<int64_t>(400, (int64_t(600) << 20) / bytes))); }

void sendAll(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t k = ::send(fd, p, n, 0);
        if (k <= 0) throw std::runtime_error("plain TCP send failed");
        p += k;
        n -= static_cast<size_t>(k);
    }
}

void recvAll(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t k = ::recv(fd, p, n, 0);
        if (k <= 0) throw std::runtime_error("plain TCP receive failed");
        p += k;
        n -= static_cast<size_t>(k);
    }
}

struct Timing {
    double gloo = 0.0;        // seconds per message, one send in flight (GossipLab's links)
    double pipelined = 0.0;   // seconds per message, up to kDepth sends in flight
    double tcp = 0.0;         // seconds per message, plain TCP
};
constexpr int kDepth = 4;

// Both processes run this, rank 0 measures (seconds per message, per size).
std::vector<Timing> exchangeRanks(int rank, int port) {
    using namespace std::chrono_literals;
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(port);
    o.isServer = rank == 0;
    o.numWorkers = 2;
    o.waitWorkers = true;
    o.timeout = 60s;
    auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", o);
    auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::milliseconds(3600 * 1000));
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(c10::make_intrusive<c10d::PrefixStore>("bench", store), rank, 2, options);

    // The plain TCP connection between the same two processes.
    int fd = -1;
    if (rank == 0) {
        const int listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
        listen(listener, 1);
        getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
        store->set("tcp", std::vector<uint8_t>{static_cast<uint8_t>(ntohs(a.sin_port) >> 8), static_cast<uint8_t>(ntohs(a.sin_port) & 0xff)});
        fd = accept(listener, nullptr, nullptr);
        close(listener);
    } else {
        const auto p = store->get("tcp");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<uint16_t>((p[0] << 8) | p[1]));
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("plain TCP connect failed");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    std::vector<Timing> out;
    auto ack = torch::zeros({1}, torch::kUInt8);
    auto sync = [&](int tag) {
        std::vector<at::Tensor> a{ack};
        if (rank == 0) pg->recv(a, 1, tag)->wait();
        else pg->send(a, 0, tag)->wait();
    };
    for (const auto& size : exchangeSizes()) {
        const int64_t bytes = 64 + 4 * size.floats;  // GossipLab's message: header + float32 weights
        const int repeats = repeatsFor(bytes);
        auto buffer = torch::ones({bytes}, torch::kUInt8);
        // Gloo, as GossipLab uses it: the sender waits for each send, the receiver keeps one
        // receive-from-any posted.
        double gloo = 0.0;
        for (int round = -1; round < repeats; ++round) {  // round -1: warm-up
            if (round == 0) {
                std::vector<at::Tensor> a{ack};
                if (rank == 0) pg->recv(a, 1, 2)->wait();
                else pg->send(a, 0, 2)->wait();
                gloo = now();
            }
            std::vector<at::Tensor> t{buffer};
            if (rank == 0) pg->send(t, 1, 1)->wait();
            else pg->recvAnysource(t, 1)->wait();
        }
        sync(3);
        gloo = now() - gloo;
        // The same with up to kDepth sends in flight (the receiver still takes one at a time).
        std::vector<torch::Tensor> buffers;
        for (int d = 0; d < kDepth; ++d) buffers.push_back(torch::ones({bytes}, torch::kUInt8));
        sync(4);
        double pipelined = now();
        if (rank == 0) {
            std::deque<c10::intrusive_ptr<c10d::Work>> inflight;
            for (int r = 0; r < repeats; ++r) {
                if (static_cast<int>(inflight.size()) == kDepth) {
                    inflight.front()->wait();
                    inflight.pop_front();
                }
                std::vector<at::Tensor> t{buffers[static_cast<size_t>(r % kDepth)]};
                inflight.push_back(pg->send(t, 1, 5));
            }
            for (auto& w : inflight) w->wait();
        } else {
            for (int r = 0; r < repeats; ++r) {
                std::vector<at::Tensor> t{buffer};
                pg->recvAnysource(t, 5)->wait();
            }
        }
        sync(6);
        pipelined = now() - pipelined;
        // Plain TCP: the same bytes, one write loop, one read loop.
        double tcp = 0.0;
        uint8_t byte = 1;
        if (rank == 0) {
            recvAll(fd, &byte, 1);  // the receiver is ready
            tcp = now();
            for (int r = 0; r < repeats; ++r) sendAll(fd, buffer.data_ptr<uint8_t>(), static_cast<size_t>(bytes));
            recvAll(fd, &byte, 1);
            tcp = now() - tcp;
        } else {
            sendAll(fd, &byte, 1);
            for (int r = 0; r < repeats; ++r) recvAll(fd, buffer.data_ptr<uint8_t>(), static_cast<size_t>(bytes));
            sendAll(fd, &byte, 1);
        }
        out.push_back({gloo / repeats, pipelined / repeats, tcp / repeats});
    }
    close(fd);
    pg->barrier()->wait();
    return out;
}

void exchangeCost() {
    const int port = freeLocalPort();
    const pid_t child = spawnSelf({"--exchange-child", std::to_string(port)});
    const auto times = exchangeRanks(0, port);
    int status = 0;
    waitpid(child, &status, 0);
    std::printf("\n1. Exchange cost between two processes on loopback (one message: a 96-byte header and a model's\n"
                "   float32 weights; Gloo: send / receive-from-any, the sender waiting for each send, as GossipLab's\n"
                "   links do; plain TCP: the same bytes, one socket, write and read loops)\n");
    std::printf("   %-20s %11s %10s %17s %17s %10s %9s\n", "model", "parameters", "MB/message", "Gloo MB/s (ms/msg)",
                "Gloo x4 MB/s (ms)", "TCP MB/s", "Gloo/TCP");
    const auto sizes = exchangeSizes();
    for (size_t k = 0; k < sizes.size(); ++k) {
        const double bytes = 96.0 + 4.0 * static_cast<double>(sizes[k].floats);
        const auto& t = times[k];
        std::printf("   %-20s %11lld %10.2f %9.0f (%6.2f) %9.0f (%6.2f) %10.0f %8.2fx\n", sizes[k].label.c_str(),
                    static_cast<long long>(sizes[k].floats), bytes / 1e6, bytes / t.gloo / 1e6, 1e3 * t.gloo, bytes / t.pipelined / 1e6,
                    1e3 * t.pipelined, bytes / t.tcp / 1e6, t.tcp / t.gloo);
    }
    std::printf("   (Gloo x4: up to %d sends in flight on the link; Gloo/TCP: Gloo's rate with one in flight over TCP's)\n", kDepth);
    std::fflush(stdout);
}

// The run token's proof (core/dist/message_auth.h) that every message carries: what sealing it
// (the sender's link) and checking it (the receiver) cost, beside the message's time on a link.
void proofCost() {
    std::printf("\n1b. The run token's proof per message (GMAC, AES-256-GCM over the message; one thread)\n");
    std::printf("   %-20s %10s %14s %14s %10s\n", "model", "MB/message", "seal us (MB/s)", "check us (MB/s)", "");
    const dist::MessageAuth auth("bench token", std::string(32, '0'));
    for (const auto& size : exchangeSizes()) {
        dist::WireHeader h;
        h.type = static_cast<uint16_t>(dist::MessageType::Gossip);
        h.payload_bytes = static_cast<uint64_t>(size.floats) * 4;
        std::vector<uint8_t> message(sizeof h + h.payload_bytes, 1);
        std::memcpy(message.data(), &h, sizeof h);
        const int repeats = repeatsFor(static_cast<int64_t>(message.size()));
        auto time = [&](auto&& body) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int k = 0; k < repeats; ++k) body(k);
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / repeats;
        };
        const double seal = time([&](int k) { auth.seal(message.data(), 1, dist::Channel::Messages, static_cast<uint64_t>(k)); });
        std::string answer;
        const double check = time([&](int) { answer = auth.check(message.data(), message.size(), 1, dist::Channel::Messages,
                                                                 dist::MessageAuth::kAnyCounter); });
        const double mb = static_cast<double>(message.size()) / 1e6;
        std::printf("   %-20s %10.2f %7.0f (%5.0f) %7.0f (%5.0f) %10s\n", size.label.c_str(), mb, 1e6 * seal, mb / seal, 1e6 * check,
                    mb / check, answer.empty() ? "" : "REFUSED");
    }
    std::fflush(stdout);
}

// ---- 2. throughput: 2 processes x 1 worker vs 1 process x 2 workers ------------------------

struct Cell {
    std::string label;
    Algorithm algorithm;
    double p;
    int tau;
};

const std::vector<Cell>& cells() {
    static const std::vector<Cell> c = {{"naive", Algorithm::Naive, 0.0, 0},
                                        {"gosgd p=0.02", Algorithm::GoSgd, 0.02, 0},
                                        {"gosgd p=1", Algorithm::GoSgd, 1.0, 0},
                                        {"eamsgd tau=50", Algorithm::Easgd, 0.02, 50},
                                        {"eamsgd tau=1", Algorithm::Easgd, 1.0, 1}};
    return c;
}

RunConfig cellConfig(const std::string& workload, size_t cell, double seconds, int workers) {
    RunConfig c;
    if (workload == "cifar") {
        c.dataset = "synthetic-cifar";
        c.model = "easgd-cifar";
        c.batch_size = 128;
        c.learning_rate = 0.01;
    } else {
        c.dataset = std::filesystem::is_directory(c.effectiveDataDir()) ? "fashion-mnist" : "synthetic";
        c.model = "lenet";
        c.batch_size = 64;
    }
    const Cell& k = cells()[cell];
    c.algorithm = k.algorithm;
    c.p = k.p;
    c.easgd_tau = k.tau;
    if (k.algorithm == Algorithm::Easgd) c.momentum = 0.99;
    c.workers = workers;
    c.intra_op_threads = 1;  // the same in both layouts: one thread per worker
    c.budget_kind = BudgetKind::Seconds;
    c.budget = seconds;
    c.eval_max_images = 256;
    return c;
}

DistributedOptions ranks(int rank, int port) {
    DistributedOptions d;
    d.world = 2;
    d.rank = rank;
    d.master_host = "127.0.0.1";
    d.master_port = port;
    d.join_timeout_s = 60;
    return d;
}

void throughput(const std::string& workload, double seconds) {
    std::printf("\n2. Training throughput, M = 2: 1 process x 2 workers vs 2 processes x 1 worker on loopback\n"
                "   (%s; %.0f s per cell; images/s of all workers, one LibTorch thread per worker)\n",
                workload == "cifar" ? "EASGD CIFAR-10 net on CIFAR-shaped synthetic data, batch 128" : "LeNet on Fashion-MNIST, batch 64",
                seconds);
    std::printf("   %-16s %22s %22s %10s %16s\n", "algorithm", "1 process x 2 workers", "2 processes x 1 worker", "ratio",
                "MB sent by rank 0");
    for (size_t k = 0; k < cells().size(); ++k) {
        const RunResult one = runToCompletion(cellConfig(workload, k, seconds, 2));
        const int port = freeLocalPort();
        const pid_t child = spawnSelf({"--train-child", std::to_string(port), workload, std::to_string(k), std::to_string(seconds)});
        Run run(cellConfig(workload, k, seconds, 1), nullptr, ranks(0, port));
        run.start();
        const RunResult two = run.wait();
        int status = 0;
        waitpid(child, &status, 0);
        std::printf("   %-16s %22.0f %22.0f %9.2fx %16.1f%s\n", cells()[k].label.c_str(), one.images_per_second, two.images_per_second,
                    two.images_per_second / one.images_per_second, static_cast<double>(two.remote_bytes) / 1e6,
                    two.status == RunStatus::Finished ? "" : ("  (" + toString(two.status) + ": " + two.message + ")").c_str());
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 2 && args[0] == "--exchange-child") {
        exchangeRanks(1, std::stoi(args[1]));
        return 0;
    }
    if (args.size() == 5 && args[0] == "--train-child") {
        Run run(cellConfig(args[2], std::stoul(args[3]), std::stod(args[4]), 1), nullptr, ranks(1, std::stoi(args[1])));
        run.start();
        return run.wait().status == RunStatus::Finished ? 0 : 1;
    }
    double seconds = 3.0;
    std::vector<std::string> workloads = {"lenet", "cifar"};
    bool exchange = true, train = true;
    for (size_t k = 0; k < args.size(); ++k) {
        if (args[k] == "--seconds" && k + 1 < args.size()) seconds = std::stod(args[++k]);
        else if (args[k] == "--workload" && k + 1 < args.size()) workloads = {args[++k]};
        else if (args[k] == "--no-exchange") exchange = false;
        else if (args[k] == "--no-throughput") train = false;
        else {
            std::fprintf(stderr, "usage: gossiplab-dist-bench [--seconds S] [--workload lenet|cifar] [--no-exchange] [--no-throughput]\n");
            return 2;
        }
    }
    std::printf("GossipLab multi-process benchmark: %u hardware threads, LibTorch %s, Gloo over TCP on 127.0.0.1\n",
                std::thread::hardware_concurrency(), TORCH_VERSION);
    if (exchange) {
        exchangeCost();
        proofCost();
    }
    if (train)
        for (const auto& w : workloads) throughput(w, seconds);
    return 0;
}
