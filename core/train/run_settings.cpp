#include "core/train/run_settings.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace gossiplab {

namespace {

// The shortest text that reads back to the same double: what the history, JSON files and the
// command lines made for other ranks store is exactly what the run used.
std::string formatNumber(double value) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (error != std::errc()) return std::to_string(value);
    return std::string(buffer, end);
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<double> parseReal(const std::string& raw) {
    const std::string text = trimmed(raw);
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') return std::nullopt;
    return value;
}

std::optional<long long> parseInteger(const std::string& raw) {
    const std::string text = trimmed(raw);
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE) return std::nullopt;
    return value;
}

using Get = std::function<std::string(const RunConfig&)>;
using Set = std::function<std::optional<std::string>(RunConfig&, const std::string&)>;
using Numeric = std::function<double(const RunConfig&)>;
struct Access {
    Get get;
    Set set;
    Numeric number = {};  // numeric settings only
};

template <typename Int>
Access wholeMember(Int RunConfig::*member) {
    return {[member](const RunConfig& c) { return std::to_string(c.*member); },
            [member](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                const auto value = parseInteger(text);
                if (!value || *value < std::numeric_limits<Int>::min() || *value > std::numeric_limits<Int>::max())
                    return "a whole number";
                c.*member = static_cast<Int>(*value);
                return std::nullopt;
            },
            [member](const RunConfig& c) { return static_cast<double>(c.*member); }};
}

Access numberMember(double RunConfig::*member) {
    return {[member](const RunConfig& c) { return formatNumber(c.*member); },
            [member](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                const auto value = parseReal(text);
                if (!value) return "a number";
                // -0 becomes 0: a JSON reader takes the literal -0 for the integer 0, so a -0 kept here
                // would not survive a round trip through a config file (found by fuzz_json).
                c.*member = *value + 0.0;
                return std::nullopt;
            },
            [member](const RunConfig& c) { return c.*member; }};
}

Access textMember(std::string RunConfig::*member) {
    return {[member](const RunConfig& c) { return c.*member; },
            [member](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                c.*member = trimmed(text);
                return std::nullopt;
            }};
}

Access scheduleMember(std::vector<ScheduleStep> RunConfig::*member) {
    return {[member](const RunConfig& c) { return formatSchedule(c.*member); },
            [member](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                std::string error;
                auto steps = parseSchedule(trimmed(text), &error);
                if (!steps) return "IMAGES:VALUE,... (" + error + ")";
                c.*member = *steps;
                return std::nullopt;
            }};
}

// A Choice stored as an enum: its names come from toString/parse*.
template <typename Enum>
Access enumMember(Enum RunConfig::*member, std::optional<Enum> (*parse)(const std::string&),
                               const std::string& expected) {
    return {[member](const RunConfig& c) { return toString(c.*member); },
            [member, parse, expected](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                const auto value = parse(trimmed(text));
                if (!value) return expected;
                c.*member = *value;
                return std::nullopt;
            }};
}

// The budget: one stored number whose meaning (and range) its kind gives; on the command line
// one flag per kind (--epochs 2, --images 60000, --seconds 45).
Access budgetFlag(BudgetKind kind) {
    return {[kind](const RunConfig& c) { return c.budget_kind == kind ? formatNumber(c.budget) : std::string(); },
            [kind](RunConfig& c, const std::string& text) -> std::optional<std::string> {
                const auto value = parseReal(text);
                if (!value) return "a number";
                c.budget_kind = kind;
                c.budget = *value;
                return std::nullopt;
            },
            [](const RunConfig& c) { return c.budget; }};
}

RunSetting make(std::string key, std::string label, std::string metavar, std::string help, std::string range, SettingKind kind,
                SettingSection section, Access access) {
    RunSetting s;
    s.key = std::move(key);
    s.label = std::move(label);
    s.metavar = std::move(metavar);
    s.help = std::move(help);
    s.range = std::move(range);
    s.kind = kind;
    s.section = section;
    s.get = std::move(access.get);
    s.set = std::move(access.set);
    s.number = std::move(access.number);
    return s;
}

SettingBounds closed(double low, double high) { return {low, high, false, false}; }

std::vector<RunSetting> buildTable() {
    using K = SettingKind;
    using S = SettingSection;
    std::vector<RunSetting> t;
    auto add = [&t](RunSetting s) -> RunSetting& { return t.emplace_back(std::move(s)); };

    // ---- the algorithm ----
    add(make("algorithm", "Algorithm", "NAME",
             "GoSGD: gossip with sum weights. EASGD / EAMSGD: elastic averaging with a center variable (EAMSGD with "
             "momentum). Naive: no communication. All-reduce: synchronous SGD on the averaged gradient. Local SGD: "
             "models averaged every H steps. D-PSGD: each step, the model averaged with its ring neighbours. AD-PSGD: "
             "asynchronous averaging with one random peer. SGP: push-sum over an exponential graph.",
             "gosgd, easgd (alias eamsgd), naive, allreduce, local-sgd, dpsgd, adpsgd, sgp", K::Choice, S::Algorithm,
             enumMember(&RunConfig::algorithm, &parseAlgorithm, "one of gosgd, easgd, naive, allreduce, local-sgd, dpsgd, adpsgd, sgp")))
        .choices = {{"gosgd", "GoSGD"},           {"easgd", "EASGD / EAMSGD"},  {"naive", "Naive (no exchange)"},
                    {"allreduce", "All-reduce SGD"}, {"local-sgd", "Local SGD"}, {"dpsgd", "D-PSGD (ring)"},
                    {"adpsgd", "AD-PSGD"},           {"sgp", "SGP (push-sum)"}};
    {
        auto& s = add(make("workers", "Workers M", "M", "Number of workers, each training its own copy of the network on its own thread.",
                           "1 to 64", K::Whole, S::Algorithm, wholeMember(&RunConfig::workers)));
        s.bounds = closed(1, 64);
        s.per_process = true;  // in a multi-process run: this process's workers
    }
    {
        auto& s = add(make("p", "Exchange p", "P",
                           "GoSGD: the probability that a worker pushes its weights to a random peer after a step; "
                           "live during a run. EASGD and local SGD: set tau and H = round(1/p) unless given.",
                           "0 to 1", K::Number, S::Algorithm, numberMember(&RunConfig::p)));
        s.bounds = closed(0, 1);
        s.algorithms = {Algorithm::GoSgd, Algorithm::Easgd, Algorithm::LocalSgd};
    }
    {
        // Its range depends on allow-zero-lr: validateLiveSetting() checks it.
        auto& s = add(make("learning-rate", "Learning rate", "LR", "Step size; adjustable while a run goes.",
                           "greater than 0, at most 10", K::Number, S::Algorithm, numberMember(&RunConfig::learning_rate)));
        s.aliases = {"lr"};
    }
    add(make("momentum", "Momentum", "MU",
             "Heavy-ball momentum (as torch.optim.SGD) for every algorithm but EASGD; the Nesterov delta of EAMSGD (the paper: 0.99).",
             "0 to 1 (1 excluded)", K::Number, S::Algorithm, numberMember(&RunConfig::momentum)))
        .bounds = SettingBounds{0, 1, false, true};
    add(make("weight-decay", "Weight decay", "WD", "L2 penalty added to the gradient (the paper: 1e-4).", "0 to 1 (1 excluded)",
             K::Number, S::Algorithm, numberMember(&RunConfig::weight_decay)))
        .bounds = SettingBounds{0, 1, false, true};
    add(make("batch-size", "Batch size", "B", "Images per mini-batch and worker.", "1 to 65536", K::Whole, S::Algorithm,
             wholeMember(&RunConfig::batch_size)))
        .bounds = closed(1, 65536);
    {
        auto& s = add(make("easgd-alpha", "EASGD \u03B1", "A", "EASGD's moving rate. 0 or empty: 0.9 / M (the EASGD paper's rule).",
                           "greater than 0, at most 1 (0: the default 0.9/M)", K::Number, S::Algorithm,
                           numberMember(&RunConfig::easgd_alpha)));
        s.bounds = closed(0, 1);
        s.algorithms = {Algorithm::Easgd};
        s.zero_shows_empty = true;
    }
    {
        auto& s = add(make("easgd-tau", "EASGD \u03C4", "TAU", "Elastic step every tau local steps. 0 or empty: round(1/p).",
                           "1 to 1000000 (0: round(1/p))", K::Whole, S::Algorithm, wholeMember(&RunConfig::easgd_tau)));
        s.bounds = closed(0, 1000000);
        s.algorithms = {Algorithm::Easgd};
        s.zero_shows_empty = true;
    }

    {
        auto& s = add(make("local-steps", "Local steps H", "H",
                           "Local SGD: the workers' models are replaced by their average every H local steps. 0 or empty: round(1/p).",
                           "1 to 1000000 (0: round(1/p))", K::Whole, S::Algorithm, wholeMember(&RunConfig::local_steps)));
        s.bounds = closed(0, 1000000);
        s.algorithms = {Algorithm::LocalSgd};
        s.zero_shows_empty = true;
    }
    {
        auto& s = add(make("sgp-delay", "SGP delay", "TAU",
                           "SGP: how many steps a worker may go on before the push-sum message of an earlier step has "
                           "arrived (the overlap variant). 0: synchronous.",
                           "0 to 64", K::Whole, S::Algorithm, wholeMember(&RunConfig::sgp_delay)));
        s.bounds = closed(0, 64);
        s.algorithms = {Algorithm::Sgp};
    }

    // ---- data and model ----
    add(make("dataset", "Dataset", "NAME",
             "Fashion-MNIST and MNIST read IDX files (gzipped or not); CIFAR-10 the binary version; the synthetic sets need no files.",
             "fashion-mnist, mnist, cifar10, synthetic, synthetic-cifar", K::Choice, S::DataAndModel, textMember(&RunConfig::dataset)))
        .choices = {{"fashion-mnist", "Fashion-MNIST"}, {"mnist", "MNIST"}, {"cifar10", "CIFAR-10"},
                    {"synthetic", "Synthetic (1\u00D728\u00D728)"}, {"synthetic-cifar", "Synthetic CIFAR-shaped"}};
    {
        auto& s = add(make("data-dir", "Folder", "DIR",
                           "The dataset's folder. Empty: its default (/usr/share/datasets/fashion-mnist for Fashion-MNIST; "
                           "~/.local/share/gossiplab/datasets/cifar-10-batches-bin for CIFAR-10).",
                           "", K::Text, S::DataAndModel, textMember(&RunConfig::data_dir)));
        s.per_process = true;
    }
    add(make("model", "Model", "NAME", "A LeNet-style CNN, a small MLP, or the EASGD paper's CIFAR network (3-channel images).",
             "lenet, mlp, easgd-cifar", K::Choice, S::DataAndModel, textMember(&RunConfig::model)))
        .choices = {{"lenet", "LeNet"}, {"mlp", "MLP"}, {"easgd-cifar", "EASGD CIFAR net"}};
    add(make("devices", "Devices", "LIST", "Where the workers train, placed round-robin: cpu, cuda (every CUDA device), or a list.",
             "cpu, cuda, or a list like cuda:0,cuda:1", K::Text, S::DataAndModel, textMember(&RunConfig::devices)))
        .per_process = true;
    add(make("test-model", "Test model", "NAME",
             "The model evaluated on the test set: the workers' uniform average (the paper), the alpha-weighted average "
             "(GoSGD, SGP) or the EASGD center.",
             "uniform, alpha-weighted (gosgd, sgp), center (easgd)", K::Choice, S::DataAndModel,
             enumMember(&RunConfig::test_model, &parseTestModel, "one of uniform, alpha-weighted, center")))
        .choices = {{"uniform", "Uniform average"}, {"alpha-weighted", "Alpha-weighted average"}, {"center", "EASGD center"}};

    // ---- the budget ----
    add(make("budget", "Budget", "X", "How long to train: epochs of the whole team, images per worker, or seconds.",
             "by its kind: see --epochs, --images, --seconds", K::Number, S::Budget, numberMember(&RunConfig::budget)))
        .flag = false;
    {
        auto& s = add(make("budget-kind", "Budget kind", "KIND", "What the budget counts.", "epochs, images, seconds", K::Choice,
                           S::Hidden, enumMember(&RunConfig::budget_kind, &parseBudgetKind, "one of epochs, images, seconds")));
        s.choices = {{"epochs", "epochs"}, {"images", "images / worker"}, {"seconds", "seconds"}};
        s.flag = false;
    }
    const struct {
        BudgetKind kind;
        const char* metavar;
        const char* help;
        const char* range;
        SettingBounds bounds;
    } budgets[] = {
        {BudgetKind::Epochs, "E", "Budget in epochs of the whole team (each worker sees E*N/M images).", "greater than 0, at most 10000",
         {0, 10000, true, false}},
        {BudgetKind::ImagesPerWorker, "N", "Budget in images per worker.", "1 to 1e12", closed(1, 1e12)},
        {BudgetKind::Seconds, "S", "Budget in seconds of wall time.", "greater than 0, at most 1e7", {0, 1e7, true, false}},
    };
    for (const auto& b : budgets) {
        auto& s = add(make(toString(b.kind), toString(b.kind), b.metavar, b.help, b.range, K::Number, S::Hidden, budgetFlag(b.kind)));
        s.bounds = b.bounds;
        s.stored = false;
    }
    add(make("seed", "Seed", "S", "Seeds the initial weights, the mini-batches and the gossip draws.", "0 to 2^64-1", K::Unsigned,
             S::Budget,
             {[](const RunConfig& c) { return std::to_string(c.seed); },
              [](RunConfig& c, const std::string& raw) -> std::optional<std::string> {
                  const std::string text = trimmed(raw);
                  char* end = nullptr;
                  errno = 0;
                  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
                  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE) return "a whole number, 0 or more";
                  c.seed = value;
                  return std::nullopt;
              }}));
    add(make("name", "Run name", "TEXT", "The run's name. Empty: a name made from the settings.", "at most 200 bytes", K::Text,
             S::Budget, textMember(&RunConfig::name)));

    // ---- monitoring and advanced ----
    add(make("eval-every", "Evaluate every", "N", "Evaluate the test model every N images per worker. 0: only at the end.",
             "0 or more (0: only at the end)", K::Whole, S::Advanced, wholeMember(&RunConfig::eval_every_images)))
        .bounds = closed(0, 1e15);
    add(make("eval-max-images", "Test images", "N", "Evaluate on at most the first N test images. 0: the whole test set.",
             "0 or more (0: the whole test set)", K::Whole, S::Advanced, wholeMember(&RunConfig::eval_max_images)))
        .bounds = closed(0, std::numeric_limits<int>::max());
    add(make("metrics-every", "Metrics every", "N", "Per-worker samples (loss, alpha) every N iterations.", "1 to 100000", K::Whole,
             S::Advanced, wholeMember(&RunConfig::metrics_every)))
        .bounds = closed(1, 100000);
    add(make("distance-every", "Distances every", "N", "Weight snapshots for the distance matrix every N iterations.",
             "1 to 1000000", K::Whole, S::Advanced, wholeMember(&RunConfig::distance_every)))
        .bounds = closed(1, 1000000);
    {
        auto& s = add(make("threads", "Threads / worker", "T", "LibTorch intra-op threads per worker. 0: cores / M, at least 1.",
                           "0 to 256 (0: automatic)", K::Whole, S::Advanced, wholeMember(&RunConfig::intra_op_threads)));
        s.bounds = closed(0, 256);
        s.per_process = true;
    }
    add(make("init-noise", "Initial spread", "SIGMA",
             "Standard deviation of seeded Gaussian noise added to each worker's copy of the initial weights, to watch "
             "consensus from a spread start. The paper: 0.",
             "0 to 10", K::Number, S::Advanced, numberMember(&RunConfig::init_noise)))
        .bounds = closed(0, 10);
    add(make("p-schedule", "p schedule", "IMG:P,...", "Changes of p during the run, at images per worker: e.g. 0:0.02,30000:1.",
             "p values in 0 to 1 at increasing images per worker", K::Schedule, S::Advanced, scheduleMember(&RunConfig::p_schedule)))
        .algorithms = {Algorithm::GoSgd};
    add(make("lr-schedule", "lr schedule", "IMG:LR,...", "Changes of the learning rate during the run: e.g. 20000:0.005.",
             "learning rates at increasing images per worker", K::Schedule, S::Advanced, scheduleMember(&RunConfig::lr_schedule)));
    add(make("allow-zero-lr", "Allow lr 0", "", "Allow a learning rate of 0 (consensus without gradients).", "", K::Switch, S::Hidden,
             {[](const RunConfig& c) { return std::string(c.allow_zero_learning_rate ? "true" : "false"); },
              [](RunConfig& c, const std::string& raw) -> std::optional<std::string> {
                  const std::string text = trimmed(raw);
                  if (text == "true" || text == "1") c.allow_zero_learning_rate = true;
                  else if (text == "false" || text == "0") c.allow_zero_learning_rate = false;
                  else return "true or false";
                  return std::nullopt;
              }}));
    return t;
}

}  // namespace

bool SettingBounds::contains(double value) const {
    if (!(value == value)) return false;  // NaN
    if (value < low || (low_excluded && value == low)) return false;
    if (value > high || (high_excluded && value == high)) return false;
    return true;
}

bool RunSetting::appliesTo(Algorithm algorithm) const {
    if (algorithms.empty()) return true;
    for (Algorithm a : algorithms)
        if (a == algorithm) return true;
    return false;
}

bool RunSetting::isNumeric() const {
    return kind == SettingKind::Whole || kind == SettingKind::Unsigned || kind == SettingKind::Number || kind == SettingKind::Switch;
}

const std::vector<RunSetting>& runSettings() {
    static const std::vector<RunSetting> table = buildTable();
    return table;
}

const RunSetting* findRunSetting(const std::string& name) {
    for (const auto& s : runSettings()) {
        if (s.key == name) return &s;
        for (const auto& alias : s.aliases)
            if (alias == name) return &s;
    }
    return nullptr;
}

std::string notParsedMessage(const std::string& key, const std::string& text, const std::string& expected) {
    return key + " is '" + trimmed(text) + "'; expected " + expected;
}

std::string notParsedMessage(const RunSetting& setting, const std::string& text, const std::string& expected) {
    const bool worth_saying = !setting.range.empty() && setting.kind != SettingKind::Choice && setting.kind != SettingKind::Schedule;
    return notParsedMessage(setting.key, text, expected) + (worth_saying ? " (allowed range: " + setting.range + ")" : "");
}

std::string outOfRangeMessage(const RunSetting& setting, const std::string& value) {
    return setting.key + " is " + value + "; allowed range: " + setting.range;
}

}  // namespace gossiplab
