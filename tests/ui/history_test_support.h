#pragma once
// Shared by the History, Compare and export tests: a real history file with recorded runs, made
// through the store's own RunRecorder (the path every real run takes), with synthetic samples.

#include <memory>
#include <string>
#include <vector>

#include <QtTest>

#include "core/store/run_recorder.h"
#include "tests/store/store_test_support.h"

namespace history_test {

using namespace gossiplab;

struct RunSpec {
    RunSpec(std::string n, Algorithm a = Algorithm::GoSgd, double p_ = 0.02, RunStatus s = RunStatus::Finished,
            double loss = 0.25, std::vector<std::string> t = {}, int w = 4, int64_t r = 200)
        : name(std::move(n)), algorithm(a), p(p_), status(s), final_loss(loss), tags(std::move(t)), workers(w), rounds(r) {}
    std::string name;
    Algorithm algorithm = Algorithm::GoSgd;
    double p = 0.02;
    RunStatus status = RunStatus::Finished;  // Running: the recorder is kept open; Interrupted: never ended
    double final_loss = 0.25;
    std::vector<std::string> tags;
    int workers = 4;
    int64_t rounds = 200;
};

// Records one run into `path`; returns its id. For a Running run the recorder is handed back in
// `keep` (the run stays live while it exists).
inline int64_t recordRun(const std::string& path, const RunSpec& spec, std::unique_ptr<store::RunRecorder>* keep = nullptr) {
    auto recorder = store::RunRecorder::open(path);
    if (!recorder) qFatal("cannot open %s: %s", path.c_str(), recorder.error().message.c_str());
    RunInfo info = store_test::makeInfo(spec.name, spec.workers, spec.algorithm);
    info.config.p = spec.p;
    info.config.learning_rate = spec.algorithm == Algorithm::Easgd ? 0.05 : 0.01;
    auto& r = **recorder;
    r.onRunStarted(info);
    store_test::feedSamples(r, spec.workers, 1, spec.rounds, hasSumWeights(spec.algorithm));  // alphas: GoSGD, SGP
    for (int64_t it = 20; it <= spec.rounds; it += 20) {
        EvalSample e;
        e.at = store_test::pointAt(it);
        e.test_loss = 1.0 / double(it);
        e.test_accuracy = 0.5 + 0.4 * double(it) / double(spec.rounds);
        e.test_images = 100;
        r.onEvaluation(e);
    }
    const int64_t id = r.runId();
    if (spec.status == RunStatus::Running) {
        if (auto f = r.flush(); !f) qFatal("flush failed");
        if (keep) *keep = std::move(*recorder);
        return id;
    }
    if (spec.status != RunStatus::Interrupted) {
        RunResult result = store_test::makeResult(spec.status, spec.workers);
        result.final_mean_loss = spec.final_loss;
        r.onRunEnded(result);
    }
    recorder->reset();  // an unended run becomes interrupted here
    if (!spec.tags.empty()) {
        auto history = store::RunHistory::open(path);
        if (!history || !history->setTags(id, spec.tags)) qFatal("cannot tag run");
    }
    return id;
}

}  // namespace history_test
