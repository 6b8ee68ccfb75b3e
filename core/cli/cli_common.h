#pragma once
// What every gossiplab-cli subcommand shares: exit codes, opening the history, Ctrl+C, and the
// small formatting and parsing helpers the commands' output and arguments need.

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>

#include "core/store/history.h"

namespace gossiplab::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;       // failed, diverged, or the history/data could not be used
constexpr int kExitUsage = 2;        // invalid arguments (every violation is listed)
constexpr int kExitInterrupted = 130;  // stopped by Ctrl+C where that leaves work to resume

// `--db FILE`, or the default history when empty.
std::string historyPath(const std::string& db);
// Opens the history, or prints "gossiplab-cli COMMAND: reason" and returns nullopt. The default
// history's folders are created; a file given with --db must be in a folder that exists.
std::optional<store::RunHistory> openHistory(const std::string& db, store::OpenMode mode, const char* command);
// " --db FILE" to repeat in a suggested command, or "".
std::string dbSuffix(const std::string& db);

// Prints "gossiplab-cli COMMAND: error" and the usage text; returns kExitUsage.
int usageError(const char* command, const std::string& error, const std::string& usage);

// A run or experiment id: a whole number > 0.
bool parseId(const std::string& text, int64_t* id);
// "2026-12-06 14:52" in local time; "-" when not finite.
std::string formatTime(double unix_seconds);

// Ctrl+C and SIGTERM: the first one is counted (the command stops its work cleanly and records
// it), a second one ends the process at once with `second_exit_code`.
void installInterruptHandler(int second_exit_code);
void restoreDefaultInterruptHandler();
int interruptCount();

}  // namespace gossiplab::cli
