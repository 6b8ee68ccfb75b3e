#include "core/cli/cli_common.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace gossiplab::cli {

namespace {

volatile std::sig_atomic_t g_interrupts = 0;
volatile std::sig_atomic_t g_second_exit_code = kExitInterrupted;

extern "C" void onInterrupt(int) {
    g_interrupts = g_interrupts + 1;
    if (g_interrupts > 1) std::_Exit(g_second_exit_code);
}

}  // namespace

std::string historyPath(const std::string& db) { return db.empty() ? store::defaultHistoryPath() : db; }

std::optional<store::RunHistory> openHistory(const std::string& db, store::OpenMode mode, const char* command) {
    store::OpenOptions options;
    options.mode = mode;
    options.create_folders = db.empty();
    auto history = store::RunHistory::open(historyPath(db), options);
    if (!history) {
        std::fprintf(stderr, "gossiplab-cli %s: %s\n", command, history.error().message.c_str());
        return std::nullopt;
    }
    return std::move(history.value());
}

std::string dbSuffix(const std::string& db) { return db.empty() ? "" : " --db " + db; }

int usageError(const char* command, const std::string& error, const std::string& usage) {
    std::fprintf(stderr, "gossiplab-cli %s: %s\n%s%s", command, error.c_str(), usage.c_str(),
                 !usage.empty() && usage.back() == '\n' ? "" : "\n");
    return kExitUsage;
}

bool parseId(const std::string& text, int64_t* id) {
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v <= 0) return false;
    *id = v;
    return true;
}

std::string formatTime(double unix_seconds) {
    if (!std::isfinite(unix_seconds)) return "-";
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

void installInterruptHandler(int second_exit_code) {
    g_interrupts = 0;
    g_second_exit_code = second_exit_code;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

void restoreDefaultInterruptHandler() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

int interruptCount() { return g_interrupts; }

}  // namespace gossiplab::cli
