#pragma once
// The settings of one training run, and the one function that validates them.
// Torch-free on purpose: the CLI, the UI form, presets and the run history all include it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gossiplab {

// GoSGD and its baselines (the paper), then what the field used before and after it
// (docs/algorithms.md): synchronous all-reduce SGD, local SGD (periodic averaging), D-PSGD (ring
// gossip, synchronous), AD-PSGD (asynchronous pairwise averaging) and SGP (push-sum).
enum class Algorithm { GoSgd, Easgd, Naive, AllReduce, LocalSgd, DPsgd, AdPsgd, Sgp };

// Every algorithm, in the order the UI lists them.
inline constexpr Algorithm kAllAlgorithms[] = {Algorithm::GoSgd,     Algorithm::Easgd, Algorithm::Naive,
                                               Algorithm::AllReduce, Algorithm::LocalSgd, Algorithm::DPsgd,
                                               Algorithm::AdPsgd,    Algorithm::Sgp};
// The algorithms whose workers carry a sum weight that the exchanges conserve (total 1): GoSGD's
// alpha, SGP's push-sum weight (divided by M). The alpha series, the sum of alphas and the
// alpha-weighted test model exist for these only.
constexpr bool hasSumWeights(Algorithm a) { return a == Algorithm::GoSgd || a == Algorithm::Sgp; }
// The algorithms whose workers meet at a barrier (every step, or every H steps for local SGD).
constexpr bool isSynchronous(Algorithm a) {
    return a == Algorithm::AllReduce || a == Algorithm::LocalSgd || a == Algorithm::DPsgd;
}
enum class BudgetKind { Epochs, ImagesPerWorker, Seconds };
enum class TestModel { Uniform, AlphaWeighted, Center };

// A change of a live setting (p or the learning rate) that takes effect once every worker has
// processed `at_images_per_worker` images on average.
struct ScheduleStep {
    int64_t at_images_per_worker = 0;
    double value = 0.0;
    bool operator==(const ScheduleStep&) const = default;
};

struct RunConfig {
    std::string name;                 // empty: a name is made from the settings
    Algorithm algorithm = Algorithm::GoSgd;
    int workers = 4;                  // M, 1..64
    double p = 0.02;                  // GoSGD exchange probability, [0, 1]
    double learning_rate = 0.05;      // > 0 (0 allowed only with allow_zero_learning_rate)
    double momentum = 0.0;            // [0, 1): heavy-ball for GoSGD/naive, Nesterov delta for EASGD
    double weight_decay = 0.0;        // [0, 1)
    int batch_size = 64;              // 1..65536
    double easgd_alpha = 0.0;         // EASGD moving rate, (0, 1]; 0 means the default 0.9 / M
    int easgd_tau = 0;                // EASGD period in local steps, >= 1; 0 means round(1 / p)
    int local_steps = 0;              // local SGD: H local steps between averagings, >= 1; 0 means round(1 / p)
    int sgp_delay = 0;                // SGP: how many steps a push may be late (0: synchronous), 0..64
    uint64_t seed = 1;
    BudgetKind budget_kind = BudgetKind::Epochs;
    double budget = 1.0;              // epochs (of the whole team), images per worker, or seconds
    std::string devices = "cpu";      // "cpu", "cuda", or "cuda:0,cuda:1,..."
    TestModel test_model = TestModel::Uniform;
    int64_t eval_every_images = 0;    // evaluate the test model every N images per worker; 0: only at the end
    int eval_max_images = 0;          // evaluate on at most N test images (0: the whole test set)
    int metrics_every = 10;           // per-worker samples every N iterations, 1..100000
    int distance_every = 50;          // weight snapshot for the distance matrix every N iterations
    std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | cifar10 | synthetic | synthetic-cifar
    std::string data_dir;             // empty: the dataset's default folder
    std::string model = "lenet";      // lenet | mlp | easgd-cifar
    int intra_op_threads = 0;         // LibTorch threads per worker; 0: max(1, cores / M)
    std::vector<ScheduleStep> p_schedule;   // optional changes of p during the run
    std::vector<ScheduleStep> lr_schedule;  // optional changes of the learning rate
    bool allow_zero_learning_rate = false;  // for consensus experiments without gradients
    // Standard deviation of seeded Gaussian noise added to each worker's copy of the shared
    // initialisation, so that consensus can be watched from a spread start; 0 (the paper): none.
    double init_noise = 0.0;

    // Values after defaults are applied.
    double effectiveEasgdAlpha() const;
    int effectiveEasgdTau() const;
    int effectiveLocalSteps() const;
    std::string effectiveName() const;
    std::string effectiveDataDir() const;
};

struct ConfigError {
    std::string field;    // the field's flag name, e.g. "p" or "batch-size"
    std::string message;  // names the value given and the allowed range
};

// THE validation: every entry point (CLI flags, UI form, presets, re-runs) goes through it.
// All violations are reported at once.
std::vector<ConfigError> validate(const RunConfig& config);
std::string formatErrors(const std::vector<ConfigError>& errors);

// Validation of a single live setting, for changes while a run is going.
std::optional<ConfigError> validateLiveSetting(const std::string& field, double value, const RunConfig& config);

// Names as used on the command line, in the history and in the UI.
std::string toString(Algorithm algorithm);
std::string toString(BudgetKind kind);
std::string toString(TestModel model);
std::optional<Algorithm> parseAlgorithm(const std::string& text);
std::optional<BudgetKind> parseBudgetKind(const std::string& text);
std::optional<TestModel> parseTestModel(const std::string& text);
// "0:0.02,30000:1" -> steps; nullopt with a message on a syntax error.
std::optional<std::vector<ScheduleStep>> parseSchedule(const std::string& text, std::string* error);
std::string formatSchedule(const std::vector<ScheduleStep>& steps);

// The whole config as ordered key/value text (the history stores it; the UI diffs it).
std::map<std::string, std::string> toKeyValues(const RunConfig& config);
// Inverse of toKeyValues; unknown keys are errors, missing keys keep their defaults.
RunConfig fromKeyValues(const std::map<std::string, std::string>& values, std::vector<ConfigError>* errors);
std::string toJson(const RunConfig& config);
std::optional<RunConfig> fromJson(const std::string& json, std::vector<ConfigError>* errors);

// Presets shared by the CLI and the UI.
RunConfig quickDemoPreset();   // Fashion-MNIST, LeNet, 4 workers, short
RunConfig paperPreset();       // GoSGD paper: 8 workers, batch 128, lr 0.01, wd 1e-4, EASGD net, CIFAR-10
std::optional<RunConfig> presetByName(const std::string& name);
std::vector<std::string> presetNames();

}  // namespace gossiplab
