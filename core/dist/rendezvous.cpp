#include "core/dist/rendezvous.h"

#include <torch/version.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "core/dist/hmac.h"
#include "core/dist/rendezvous_records.h"
#include "core/dist/wire.h"

namespace gossiplab::dist {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(50);

std::vector<uint8_t> toBytes(const ByteWriter& w) { return w.bytes(); }

std::string fmtSeconds(double s) {
    std::ostringstream out;
    out.precision(3);
    out << s;
    return out.str();
}

std::string rankList(const std::vector<int>& ranks) {
    std::string out;
    for (size_t k = 0; k < ranks.size(); ++k) {
        if (k > 0) out += k + 1 == ranks.size() ? " and " : ", ";
        out += std::to_string(ranks[k]);
    }
    return (ranks.size() == 1 ? "rank " : "ranks ") + out;
}

bool isLoopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// The local address this machine uses to reach `host` (a connected UDP socket sends nothing).
std::string addressTowards(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) return {};
    std::string address;
    for (addrinfo* a = found; a && address.empty(); a = a->ai_next) {
        const int fd = socket(a->ai_family, SOCK_DGRAM, 0);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            sockaddr_storage local{};
            socklen_t len = sizeof local;
            char text[INET6_ADDRSTRLEN] = {};
            if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
                if (local.ss_family == AF_INET)
                    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, text, sizeof text);
                else if (local.ss_family == AF_INET6)
                    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, text, sizeof text);
                address = text;
            }
        }
        close(fd);
    }
    freeaddrinfo(found);
    return address;
}

// LibTorch 2.4 and later: the store can be handed a listening socket (TCPStoreOptions::masterListenFd).
#define GOSSIPLAB_STORE_TAKES_SOCKET (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

#if GOSSIPLAB_STORE_TAKES_SOCKET
// A listening TCP socket on `host`:`port` (the first of its addresses that binds), for the
// store to serve on that address alone; -1 with `*why` set when none binds.
int listenOn(const std::string& host, int port, std::string* why) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0 || !found) {
        *why = gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        const int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 128) != 0) {
            *why = std::strerror(errno);
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    return fd;
}
#endif

std::string key(const std::string& name) { return "gossiplab/" + name; }
std::string key(const std::string& name, int rank) { return key(name + "/" + std::to_string(rank)); }

}  // namespace

std::string localHostName() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

Rendezvous::Rendezvous(const DistributedOptions& options) : options_(options), start_(Clock::now()) {
    if (!options_.iface.empty()) {
        bind_ = options_.iface;
        bind_is_interface_ = true;
    } else if (!options_.bind.empty()) {
        bind_ = options_.bind;
    } else if (const char* env = std::getenv("GLOO_SOCKET_IFNAME"); env && *env) {
        bind_ = env;  // PyTorch's own variable, for users who already set it
        bind_is_interface_ = true;
    } else if (isLoopback(options_.master_host)) {
        bind_ = "127.0.0.1";
    } else {
        // Not the host name: on Debian it often resolves to 127.0.1.1, which no other host reaches.
        bind_ = addressTowards(options_.master_host, options_.master_port);
        if (bind_.empty()) bind_ = localHostName();
    }
}

double Rendezvous::elapsedSeconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

ProcessInfo Rendezvous::self(const LocalProcess& local) const {
    ProcessInfo p;
    p.rank = options_.rank;
    p.host = localHostName();
    p.address = bind_is_interface_ ? "interface " + bind_ : bind_;
    p.workers = local.workers;
    p.devices = local.devices;
    p.pid = getpid();
    return p;
}

void Rendezvous::openStore() {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(options_.master_port);
    o.isServer = options_.rank == 0;
    o.numWorkers = options_.world;
    o.waitWorkers = false;
    o.timeout = std::chrono::milliseconds(static_cast<int64_t>(options_.join_timeout_s * 1000));
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    // Since LibTorch 2.4 the store asks for its libuv backend by default, and builds without libuv
    // (Debian's) refuse it: "use_libuv was requested but PyTorch was build without libuv support".
    // The classic backend is in every build and is plenty for a rendezvous of a few processes.
    o.useLibUV = false;
#endif
    const std::string where = options_.master_host + ":" + std::to_string(options_.master_port);
#if GOSSIPLAB_STORE_TAKES_SOCKET
    // The store serves on the master address alone (the one every rank reaches it at), not on
    // every interface: it takes a socket bound here. LibTorch 1.13's store has no such option.
    if (o.isServer) {
        std::string why;
        const int fd = listenOn(options_.master_host, options_.master_port, &why);
        if (fd < 0)
            throw std::runtime_error("rank 0 cannot open the rendezvous at " + where + ": " + why +
                                     " (is the port in use, and is HOST an address of this host? choose with --master HOST:PORT)");
        o.masterListenFd = fd;
        store_listens_on_ = options_.master_host;
    }
#else
    store_listens_on_ = o.isServer ? "every interface" : "";
#endif
    try {
        store_ = c10::make_intrusive<c10d::TCPStore>(options_.master_host, o);
    } catch (const std::exception& e) {
        const auto* c10 = dynamic_cast<const c10::Error*>(&e);
        const std::string why = c10 ? c10->what_without_backtrace() : e.what();
        if (options_.rank == 0)
            throw std::runtime_error("rank 0 cannot open the rendezvous at " + where + ": " + why +
                                     " (is the port in use? choose another with --master HOST:PORT)");
        throw std::runtime_error("rank " + std::to_string(options_.rank) + " could not reach rank 0's rendezvous at " + where +
                                 " within " + fmtSeconds(options_.join_timeout_s) + " s: " + why +
                                 " (is rank 0 started, and is HOST the address this host reaches it at?)");
    }
}

Plan Rendezvous::run(const RunConfig& local_config, const LocalProcess& local, const RendezvousCallbacks& cb) {
    const int world = options_.world, rank = options_.rank;
    const auto deadline = start_ + std::chrono::milliseconds(static_cast<int64_t>(options_.join_timeout_s * 1000));
    const std::string where = options_.master_host + ":" + std::to_string(options_.master_port);
    auto status = [&](const ProcessInfo& p, ProcessState state, const std::string& detail) {
        if (cb.on_status) cb.on_status({p, state, detail, elapsedSeconds()});
    };
    auto cancelled = [&] { return cb.cancelled && cb.cancelled(); };

    if (rank == 0)
        for (int r = 1; r < world; ++r) status(ProcessInfo{r, {}, {}, 0, 0, {}, 0}, ProcessState::Waiting, "waiting to join at " + where);
    openStore();

    // Every record is sealed with the run token (rendezvous_records.h): a process started with
    // another token is refused at its join, and the run goes on waiting for the right one.
    const std::string token = runToken(options_);
    auto errorRecord = [&](const std::string& message, const std::string& label) { return encodeError(message, token, label); };

    // 1. Join.
    const ProcessInfo me = self(local);
    const auto my_join = encodeJoin(me, token);
    store_->set(key("join", rank), my_join);
    status(me, ProcessState::Joined, "");

    Plan plan;
    if (rank == 0) {
        std::vector<ProcessInfo> processes(static_cast<size_t>(world));
        std::vector<bool> joined(static_cast<size_t>(world), false);
        processes[0] = me;
        joined[0] = true;
        auto publishError = [&](const std::string& message) {
            store_->set(key("plan"), errorRecord(message, "plan"));
            throw std::runtime_error(message);
        };
        std::vector<std::vector<uint8_t>> refused(static_cast<size_t>(world));
        std::string last_refusal;
        for (;;) {
            std::vector<int> missing;
            for (int r = 1; r < world; ++r) {
                if (joined[static_cast<size_t>(r)]) continue;
                if (!store_->check({key("join", r)})) { missing.push_back(r); continue; }
                // Read and bounded before use (rendezvous_records.h). A record without the run's
                // token is refused: the refusal is written for its writer (under the record's hash,
                // so that it stops only that process) and the rank is waited for again. Any other
                // fault ends the run at once with the reason, published for every rank.
                const auto record = store_->get(key("join", r));
                if (record == refused[static_cast<size_t>(r)]) { missing.push_back(r); continue; }
                ProcessInfo p;
                bool was_refused = false;
                if (auto problem = decodeJoin(record, r, &p, token, &was_refused); !problem.empty()) {
                    if (!was_refused) publishError(problem);
                    refused[static_cast<size_t>(r)] = record;
                    last_refusal = problem;
                    const Digest hash = sha256(record.data(), record.size());
                    std::vector<uint8_t> note(hash.begin(), hash.end());
                    note.insert(note.end(), problem.begin(), problem.end());
                    store_->set(key("refused", r), note);
                    status(ProcessInfo{r, {}, {}, 0, 0, {}, 0}, ProcessState::Waiting, problem);
                    missing.push_back(r);
                    continue;
                }
                processes[static_cast<size_t>(r)] = p;
                joined[static_cast<size_t>(r)] = true;
                status(p, ProcessState::Joined, "");
            }
            if (missing.empty()) break;
            if (cancelled()) publishError("rank 0 stopped the run before every process joined");
            if (Clock::now() > deadline) {
                std::string message = rankList(missing) + " did not join within " +
                                      fmtSeconds(options_.join_timeout_s) + " s (rendezvous at " + where + "; joined: rank 0";
                for (int r = 1; r < world; ++r)
                    if (joined[static_cast<size_t>(r)]) message += ", " + std::to_string(r);
                message += ")";
                if (!last_refusal.empty()) message += "; " + last_refusal;
                publishError(message);
            }
            std::this_thread::sleep_for(kPoll);
        }

        // 2. The plan: global numbering in rank order; rank 0's settings for everyone.
        int total = 0;
        for (auto& p : processes) {
            p.first_worker = total;
            total += p.workers;
        }
        plan.config = local_config;
        plan.config.workers = total;
        plan.processes = processes;
        plan.total_workers = total;
        plan.parameter_count = local.parameter_count;
        if (const auto errors = validate(plan.config); !errors.empty())
            publishError("the processes' workers add up to an invalid run (M = " + std::to_string(total) + "):\n" + formatErrors(errors));
        PlanRecord record;
        record.config_json = toJson(plan.config);
        record.parameter_count = plan.parameter_count;
        record.processes = processes;
        plan.run_nonce = record.run_nonce = generateToken();
        store_->set(key("plan"), encodePlan(record, token));

        // 3. Every rank acknowledges (it loaded the data and built the model) or says why not.
        std::vector<bool> acked(static_cast<size_t>(world), false);
        acked[0] = true;
        std::string failure;
        for (;;) {
            std::vector<int> waiting;
            for (int r = 1; r < world; ++r) {
                if (acked[static_cast<size_t>(r)]) continue;
                if (!store_->check({key("ack", r)})) { waiting.push_back(r); continue; }
                acked[static_cast<size_t>(r)] = true;
                std::vector<uint8_t> bytes;
                if (!unseal(store_->get(key("ack", r)), token, "ack/" + std::to_string(r), &bytes)) {
                    if (failure.empty()) failure = "rank " + std::to_string(r) + "'s acknowledgement does not carry this run's token";
                    continue;
                }
                try {
                    ByteReader rd(bytes.data(), bytes.size());
                    if (rd.get<uint8_t>() == 0) {
                        if (failure.empty()) failure = "rank " + std::to_string(r) + " cannot take part: " + rd.getString();
                    } else if (const int64_t count = rd.get<int64_t>(); count != plan.parameter_count && failure.empty()) {
                        failure = "rank " + std::to_string(r) + "'s model has " + std::to_string(count) + " parameters, rank 0's has " +
                                  std::to_string(plan.parameter_count) + " (the same GossipLab and LibTorch are needed everywhere)";
                    }
                } catch (const std::exception& e) {
                    if (failure.empty()) failure = "rank " + std::to_string(r) + "'s acknowledgement could not be read: " + e.what();
                }
            }
            if (waiting.empty()) break;
            if (cancelled()) { failure = "rank 0 stopped the run before every process was ready"; break; }
            if (Clock::now() > deadline) {
                failure = rankList(waiting) + " did not get ready (data and model) within " + fmtSeconds(options_.join_timeout_s) + " s";
                break;
            }
            std::this_thread::sleep_for(kPoll);
        }
        if (!failure.empty()) {
            store_->set(key("go"), errorRecord(failure, "go"));
            throw std::runtime_error(failure);
        }
        ByteWriter go;
        go.put<uint8_t>(1);
        store_->set(key("go"), seal(toBytes(go), token, "go"));
        return plan;
    }

    // Ranks other than 0: wait for the plan, prepare, acknowledge, wait for "go".
    const Digest my_hash = sha256(my_join.data(), my_join.size());
    auto waitFor = [&](const std::string& name, const std::string& what) {
        while (!store_->check({key(name)})) {
            if (cancelled()) throw std::runtime_error("rank " + std::to_string(rank) + " was stopped before the run started");
            // Rank 0 refused this very record (not another process's under the same rank).
            if (store_->check({key("refused", rank)})) {
                const auto note = store_->get(key("refused", rank));
                if (note.size() >= my_hash.size() && std::equal(my_hash.begin(), my_hash.end(), note.begin()))
                    throw std::runtime_error("rank 0 " + std::string(note.begin() + static_cast<long>(my_hash.size()), note.end()));
            }
            if (Clock::now() > deadline)
                throw std::runtime_error("rank 0 (rendezvous at " + where + ") did not " + what + " within " +
                                         fmtSeconds(options_.join_timeout_s) + " s (are all " + std::to_string(world) +
                                         " processes started, with --world " + std::to_string(world) + "?)");
            std::this_thread::sleep_for(kPoll);
        }
        const auto bytes = store_->get(key(name));
        return bytes;
    };
    // The plan is read and bounded before a number in it is used (rendezvous_records.h): the
    // ranges index this process's arrays.
    PlanRecord record;
    if (auto problem = decodePlan(waitFor("plan", "publish the plan (every process joined)"), world, &record, nullptr, token); !problem.empty())
        throw std::runtime_error(problem);
    std::vector<ConfigError> errors;
    auto config = fromJson(record.config_json, &errors);
    if (!config) throw std::runtime_error("rank 0's settings could not be read: " + formatErrors(errors));
    if (auto problem = checkPlanWorkers(record, *config); !problem.empty()) throw std::runtime_error(problem);
    plan.config = *config;
    plan.parameter_count = record.parameter_count;
    plan.run_nonce = record.run_nonce;
    plan.processes = record.processes;
    plan.total_workers = plan.config.workers;
    for (const auto& p : plan.processes)
        if (p.rank != rank) status(p, ProcessState::Joined, "");

    int64_t count = 0;
    std::string problem;
    try {
        problem = cb.prepare ? cb.prepare(plan.config, &count) : std::string();
    } catch (const std::exception& e) {
        problem = e.what();
    }
    ByteWriter ack;
    if (problem.empty()) {
        ack.put<uint8_t>(1);
        ack.put<int64_t>(count);
    } else {
        ack.put<uint8_t>(0);
        ack.putString(problem);
    }
    store_->set(key("ack", rank), seal(toBytes(ack), token, "ack/" + std::to_string(rank)));
    if (!problem.empty()) throw std::runtime_error("rank " + std::to_string(rank) + " cannot take part: " + problem);
    std::vector<uint8_t> go;
    if (!unseal(waitFor("go", "start the run (every process ready)"), token, "go", &go))
        throw std::runtime_error("rank 0's start signal does not carry this run's token");
    ByteReader grd(go.data(), go.size());
    if (grd.get<uint8_t>() == 0) throw std::runtime_error(grd.getString());
    return plan;
}

}  // namespace gossiplab::dist
