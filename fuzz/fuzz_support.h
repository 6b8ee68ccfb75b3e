#pragma once
// What the fuzz targets share: a scratch file for the readers that take a path, and the check
// that turns a broken invariant into a crash libFuzzer reports (with the input that caused it).

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace gossiplab::fuzz {

// A broken invariant: print why and abort, so that libFuzzer saves the input as a crash and the
// replay test (test_fuzz_replay) fails on it.
[[noreturn]] inline void fail(const std::string& why) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", why.c_str());
    std::fflush(stderr);
    std::abort();
}
inline void check(bool condition, const std::string& why) {
    if (!condition) fail(why);
}

// A folder of this process's own for the files the targets write: in $GOSSIPLAB_FUZZ_SCRATCH when
// set (tests/distro/fuzz.sh sets it and removes it afterwards: libFuzzer's own exits skip atexit),
// else /dev/shm when there is one (no disk writes, SQLite's fsyncs cost nothing), else the
// temporary folder. Removed at a normal exit.
inline const std::filesystem::path& scratchFolder() {
    static const std::filesystem::path folder = [] {
        namespace fs = std::filesystem;
        const char* given = std::getenv("GOSSIPLAB_FUZZ_SCRATCH");
        const fs::path base = given && *given ? fs::path(given)
                              : fs::is_directory("/dev/shm") ? fs::path("/dev/shm")
                                                             : fs::temp_directory_path();
        fs::path made = base / ("gossiplab-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(made);
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(scratchFolder(), ignored);
        });
        return made;
    }();
    return folder;
}

// Writes `size` bytes to scratchFolder()/name (replacing it) and returns the path.
inline std::string writeScratch(const std::string& name, const uint8_t* data, size_t size) {
    const std::filesystem::path path = scratchFolder() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) fail("cannot write the scratch file " + path.string());
    return path.string();
}

}  // namespace gossiplab::fuzz
