// Opening and importing a crafted history file (core/store): the input is written as a file and
//   1. opened read-only and read the way the History tab and the CLI read it: every run, its
//      config, series (whole and decimated), latest values, distances, setting changes, messages,
//      experiments and their queues;
//   2. opened read-write (the schema upgrade and the recovery of dead runs run on it);
//   3. imported into an empty history, which must then pass the same reads.
// Expected failures: an error Result (not a history, newer schema, corrupt...) or HistoryError
// from a query (documented: I/O faults or corruption). Anything else thrown is a finding.

#include <filesystem>

#include "core/store/history.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;
using namespace gossiplab::store;

namespace {

void readEverything(const RunHistory& history) {
    for (const RunRecord& run : history.listRuns()) {
        (void)history.run(run.id);
        std::vector<ConfigError> errors;
        (void)history.config(run.id, &errors);
        for (const SeriesKey& key : history.seriesOf(run.id)) {
            (void)history.readSeries(run.id, key.series, key.worker);
            ReadOptions decimated;
            decimated.max_points = 7;
            (void)history.readSeries(run.id, key.series, key.worker, decimated);
        }
        (void)history.latestValues(run.id);
        (void)history.latestDistances(run.id);
        (void)history.settingChanges(run.id);
        (void)history.messages(run.id);
        (void)history.isLive(run.id);
        (void)history.experimentOfRun(run.id);
    }
    for (const ExperimentRecord& experiment : history.listExperiments()) {
        (void)history.queueOf(experiment.id);
        (void)history.experimentIsLive(experiment.id);
    }
}

// Runs `step`; a HistoryError is an expected outcome for a corrupt file.
template <typename F>
void tolerateHistoryError(F&& step) {
    try {
        step();
    } catch (const HistoryError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    namespace fs = std::filesystem;
    const std::string path = fuzz::writeScratch("crafted.sqlite3", data, size);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(path + suffix);

    OpenOptions read_only;
    read_only.mode = OpenMode::ReadOnly;
    read_only.busy_timeout_ms = 0;
    tolerateHistoryError([&] {
        if (auto history = RunHistory::open(path, read_only)) readEverything(*history);
    });

    OpenOptions read_write;
    read_write.busy_timeout_ms = 0;
    tolerateHistoryError([&] {
        if (auto history = RunHistory::open(path, read_write)) readEverything(*history);
    });

    // A fresh history each time (a copy of one made once: making the schema costs more than the
    // rest of the run): what an import leaves must read back whole.
    static const std::string empty_history = [&] {
        const std::string made = (fuzz::scratchFolder() / "empty.sqlite3").string();
        auto history = RunHistory::open(made, read_write);
        fuzz::check(history.ok(), "cannot make an empty history: " + (history.ok() ? std::string() : history.error().message));
        return made;
    }();
    const std::string target = (fuzz::scratchFolder() / "target.sqlite3").string();
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(target + suffix);
    fs::copy_file(empty_history, target, fs::copy_options::overwrite_existing);
    fuzz::writeScratch("crafted.sqlite3", data, size);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(path + suffix);
    auto history = RunHistory::open(target, read_write);
    fuzz::check(history.ok(), "cannot make an empty history: " + (history.ok() ? std::string() : history.error().message));
    tolerateHistoryError([&] {
        auto summary = history->importRuns(path);
        if (summary) readEverything(*history);
    });
    return 0;
}
