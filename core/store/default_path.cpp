#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/store/history.h"

namespace gossiplab::store {

namespace {

std::string environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::string(value) : std::string();
}

std::string homeFolder() {
    std::string home = environment("HOME");
    if (!home.empty()) return home;
    if (const passwd* entry = ::getpwuid(::getuid()); entry && entry->pw_dir) return entry->pw_dir;
    return {};
}

}  // namespace

std::string defaultHistoryPath() {
    // The XDG Base Directory spec says to ignore a relative XDG_DATA_HOME.
    std::string data_home = environment("XDG_DATA_HOME");
    if (data_home.empty() || data_home.front() != '/') {
        const std::string home = homeFolder();
        data_home = home.empty() ? std::string(".") : home + "/.local/share";
    }
    return data_home + "/gossiplab/history.sqlite3";
}

}  // namespace gossiplab::store
