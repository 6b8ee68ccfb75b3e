#include "core/train/run_config.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/common/json.h"

namespace gossiplab {

namespace {

std::string fmt(double value) {
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
}

bool finite(double v) { return std::isfinite(v); }

const char* kDatasets[] = {"fashion-mnist", "mnist", "cifar10", "synthetic", "synthetic-cifar"};
const char* kModels[] = {"lenet", "mlp", "easgd-cifar"};

template <size_t N>
bool oneOf(const std::string& value, const char* const (&options)[N]) {
    for (const char* option : options)
        if (value == option) return true;
    return false;
}

template <size_t N>
std::string listOf(const char* const (&options)[N]) {
    std::string out;
    for (const char* option : options) out += (out.empty() ? "" : ", ") + std::string(option);
    return out;
}

// Device lists: "cpu", "cuda", or "cuda:0,cuda:1,...". Availability is checked when a run starts.
bool validDevices(const std::string& devices) {
    if (devices == "cpu" || devices == "cuda") return true;
    std::stringstream in(devices);
    std::string item;
    int count = 0;
    while (std::getline(in, item, ',')) {
        if (item == "cpu") { ++count; continue; }
        if (item.rfind("cuda:", 0) != 0 || item.size() == 5) return false;
        for (size_t k = 5; k < item.size(); ++k)
            if (!std::isdigit(static_cast<unsigned char>(item[k]))) return false;
        ++count;
    }
    return count > 0;
}

void checkSchedule(const std::string& field, const std::vector<ScheduleStep>& steps, const RunConfig& config,
                   std::vector<ConfigError>& errors) {
    int64_t previous = -1;
    const std::string value_field = field == "p-schedule" ? "p" : "learning-rate";
    for (const auto& step : steps) {
        if (step.at_images_per_worker < 0 || step.at_images_per_worker <= previous) {
            errors.push_back({field, "steps must be at increasing image counts >= 0; got " +
                                         std::to_string(step.at_images_per_worker) + " after " +
                                         std::to_string(previous)});
            return;
        }
        previous = step.at_images_per_worker;
        if (auto error = validateLiveSetting(value_field, step.value, config)) {
            errors.push_back({field, "step at " + std::to_string(step.at_images_per_worker) + ": " + error->message});
            return;
        }
    }
}

}  // namespace

double RunConfig::effectiveEasgdAlpha() const {
    return easgd_alpha > 0.0 ? easgd_alpha : 0.9 / std::max(1, workers);
}

int RunConfig::effectiveEasgdTau() const {
    if (easgd_tau > 0) return easgd_tau;
    if (p <= 0.0) return 0;
    return std::max(1, static_cast<int>(std::lround(1.0 / p)));
}

std::string RunConfig::effectiveName() const {
    if (!name.empty()) return name;
    std::string out = toString(algorithm);
    if (algorithm == Algorithm::GoSgd) out += "-p" + fmt(p);
    if (algorithm == Algorithm::Easgd) out += "-tau" + std::to_string(effectiveEasgdTau());
    return out + "-M" + std::to_string(workers) + "-" + dataset;
}

std::string RunConfig::effectiveDataDir() const {
    if (!data_dir.empty()) return data_dir;
    if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
    if (dataset == "mnist") return "/usr/share/datasets/mnist";
    if (dataset == "cifar10") {
        const char* home = std::getenv("HOME");
        return std::string(home ? home : ".") + "/.local/share/gossiplab/datasets/cifar-10-batches-bin";
    }
    return {};
}

std::optional<ConfigError> validateLiveSetting(const std::string& field, double value, const RunConfig& config) {
    if (field == "p") {
        if (!finite(value) || value < 0.0 || value > 1.0)
            return ConfigError{"p", "p is " + fmt(value) + "; allowed range: 0 to 1"};
        return std::nullopt;
    }
    if (field == "learning-rate") {
        const double low = 0.0;
        if (!finite(value) || value < low || (value == 0.0 && !config.allow_zero_learning_rate) || value > 10.0)
            return ConfigError{"learning-rate", "learning-rate is " + fmt(value) + "; allowed range: greater than 0, at most 10"};
        return std::nullopt;
    }
    return ConfigError{field, "'" + field + "' cannot be changed while a run is going (only p and learning-rate)"};
}

std::vector<ConfigError> validate(const RunConfig& c) {
    std::vector<ConfigError> errors;
    auto add = [&](const std::string& field, const std::string& message) { errors.push_back({field, message}); };

    if (c.name.size() > 200) add("name", "name is " + std::to_string(c.name.size()) + " bytes long; allowed: at most 200");
    if (c.workers < 1 || c.workers > 64) add("workers", "workers is " + std::to_string(c.workers) + "; allowed range: 1 to 64");
    if (auto e = validateLiveSetting("p", c.p, c)) errors.push_back(*e);
    if (auto e = validateLiveSetting("learning-rate", c.learning_rate, c)) errors.push_back(*e);
    if (!finite(c.momentum) || c.momentum < 0.0 || c.momentum >= 1.0)
        add("momentum", "momentum is " + fmt(c.momentum) + "; allowed range: 0 to 1 (1 excluded)");
    if (!finite(c.weight_decay) || c.weight_decay < 0.0 || c.weight_decay >= 1.0)
        add("weight-decay", "weight-decay is " + fmt(c.weight_decay) + "; allowed range: 0 to 1 (1 excluded)");
    if (c.batch_size < 1 || c.batch_size > 65536)
        add("batch-size", "batch-size is " + std::to_string(c.batch_size) + "; allowed range: 1 to 65536");
    if (!finite(c.easgd_alpha) || c.easgd_alpha < 0.0 || c.easgd_alpha > 1.0)
        add("easgd-alpha", "easgd-alpha is " + fmt(c.easgd_alpha) + "; allowed range: greater than 0, at most 1 (0: the default 0.9/M)");
    if (c.easgd_tau < 0 || c.easgd_tau > 1000000)
        add("easgd-tau", "easgd-tau is " + std::to_string(c.easgd_tau) + "; allowed range: 1 to 1000000 (0: round(1/p))");
    else if (c.algorithm == Algorithm::Easgd && c.easgd_tau == 0 && c.p <= 0.0)
        add("easgd-tau", "easgd-tau must be given when p is 0 (its default is round(1/p)); allowed range: 1 to 1000000");

    switch (c.budget_kind) {
        case BudgetKind::Epochs:
            if (!finite(c.budget) || c.budget <= 0.0 || c.budget > 10000.0)
                add("epochs", "epochs is " + fmt(c.budget) + "; allowed range: greater than 0, at most 10000");
            break;
        case BudgetKind::ImagesPerWorker:
            if (!finite(c.budget) || c.budget < 1.0 || c.budget > 1e12)
                add("images", "images is " + fmt(c.budget) + "; allowed range: 1 to 1e12 images per worker");
            break;
        case BudgetKind::Seconds:
            if (!finite(c.budget) || c.budget <= 0.0 || c.budget > 1e7)
                add("seconds", "seconds is " + fmt(c.budget) + "; allowed range: greater than 0, at most 1e7");
            break;
    }
    if (!validDevices(c.devices))
        add("devices", "devices is '" + c.devices + "'; allowed: cpu, cuda, or a list like cuda:0,cuda:1");
    if (c.test_model == TestModel::Center && c.algorithm != Algorithm::Easgd)
        add("test-model", "test-model 'center' needs algorithm easgd; allowed here: uniform, alpha-weighted");
    if (c.test_model == TestModel::AlphaWeighted && c.algorithm != Algorithm::GoSgd)
        add("test-model", "test-model 'alpha-weighted' needs algorithm gosgd; allowed here: uniform" +
                              std::string(c.algorithm == Algorithm::Easgd ? ", center" : ""));
    if (c.eval_every_images < 0)
        add("eval-every", "eval-every is " + std::to_string(c.eval_every_images) + "; allowed: 0 (only at the end) or more images per worker");
    if (c.eval_max_images < 0)
        add("eval-max-images", "eval-max-images is " + std::to_string(c.eval_max_images) + "; allowed: 0 (the whole test set) or more");
    if (c.metrics_every < 1 || c.metrics_every > 100000)
        add("metrics-every", "metrics-every is " + std::to_string(c.metrics_every) + "; allowed range: 1 to 100000 iterations");
    if (c.distance_every < 1 || c.distance_every > 1000000)
        add("distance-every", "distance-every is " + std::to_string(c.distance_every) + "; allowed range: 1 to 1000000 iterations");
    if (!oneOf(c.dataset, kDatasets))
        add("dataset", "dataset is '" + c.dataset + "'; allowed: " + listOf(kDatasets));
    if (!oneOf(c.model, kModels))
        add("model", "model is '" + c.model + "'; allowed: " + listOf(kModels));
    if (c.intra_op_threads < 0 || c.intra_op_threads > 256)
        add("threads", "threads is " + std::to_string(c.intra_op_threads) + "; allowed range: 0 (automatic) to 256");
    if (!finite(c.init_noise) || c.init_noise < 0.0 || c.init_noise > 10.0)
        add("init-noise", "init-noise is " + fmt(c.init_noise) + "; allowed range: 0 to 10");
    checkSchedule("p-schedule", c.p_schedule, c, errors);
    checkSchedule("lr-schedule", c.lr_schedule, c, errors);
    return errors;
}

std::string formatErrors(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const auto& e : errors) out += "  --" + e.field + ": " + e.message + "\n";
    return out;
}

std::string toString(Algorithm a) {
    switch (a) {
        case Algorithm::GoSgd: return "gosgd";
        case Algorithm::Easgd: return "easgd";
        case Algorithm::Naive: return "naive";
    }
    return "?";
}

std::string toString(BudgetKind k) {
    switch (k) {
        case BudgetKind::Epochs: return "epochs";
        case BudgetKind::ImagesPerWorker: return "images";
        case BudgetKind::Seconds: return "seconds";
    }
    return "?";
}

std::string toString(TestModel m) {
    switch (m) {
        case TestModel::Uniform: return "uniform";
        case TestModel::AlphaWeighted: return "alpha-weighted";
        case TestModel::Center: return "center";
    }
    return "?";
}

std::optional<Algorithm> parseAlgorithm(const std::string& t) {
    if (t == "gosgd") return Algorithm::GoSgd;
    if (t == "easgd" || t == "eamsgd") return Algorithm::Easgd;
    if (t == "naive") return Algorithm::Naive;
    return std::nullopt;
}

std::optional<BudgetKind> parseBudgetKind(const std::string& t) {
    if (t == "epochs") return BudgetKind::Epochs;
    if (t == "images") return BudgetKind::ImagesPerWorker;
    if (t == "seconds") return BudgetKind::Seconds;
    return std::nullopt;
}

std::optional<TestModel> parseTestModel(const std::string& t) {
    if (t == "uniform") return TestModel::Uniform;
    if (t == "alpha-weighted") return TestModel::AlphaWeighted;
    if (t == "center") return TestModel::Center;
    return std::nullopt;
}

std::optional<std::vector<ScheduleStep>> parseSchedule(const std::string& text, std::string* error) {
    std::vector<ScheduleStep> steps;
    if (text.empty()) return steps;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto colon = item.find(':');
        char* end = nullptr;
        if (colon == std::string::npos) {
            if (error) *error = "'" + item + "' is not IMAGES:VALUE (e.g. 0:0.02,30000:1)";
            return std::nullopt;
        }
        const std::string at = item.substr(0, colon), value = item.substr(colon + 1);
        ScheduleStep step;
        step.at_images_per_worker = std::strtoll(at.c_str(), &end, 10);
        if (at.empty() || *end != '\0') {
            if (error) *error = "'" + at + "' is not a whole number of images per worker";
            return std::nullopt;
        }
        step.value = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0') {
            if (error) *error = "'" + value + "' is not a number";
            return std::nullopt;
        }
        steps.push_back(step);
    }
    return steps;
}

std::string formatSchedule(const std::vector<ScheduleStep>& steps) {
    std::string out;
    for (const auto& s : steps) out += (out.empty() ? "" : ",") + std::to_string(s.at_images_per_worker) + ":" + fmt(s.value);
    return out;
}

std::map<std::string, std::string> toKeyValues(const RunConfig& c) {
    return {
        {"name", c.name},
        {"algorithm", toString(c.algorithm)},
        {"workers", std::to_string(c.workers)},
        {"p", fmt(c.p)},
        {"learning-rate", fmt(c.learning_rate)},
        {"momentum", fmt(c.momentum)},
        {"weight-decay", fmt(c.weight_decay)},
        {"batch-size", std::to_string(c.batch_size)},
        {"easgd-alpha", fmt(c.easgd_alpha)},
        {"easgd-tau", std::to_string(c.easgd_tau)},
        {"seed", std::to_string(c.seed)},
        {"budget-kind", toString(c.budget_kind)},
        {"budget", fmt(c.budget)},
        {"devices", c.devices},
        {"test-model", toString(c.test_model)},
        {"eval-every", std::to_string(c.eval_every_images)},
        {"eval-max-images", std::to_string(c.eval_max_images)},
        {"metrics-every", std::to_string(c.metrics_every)},
        {"distance-every", std::to_string(c.distance_every)},
        {"dataset", c.dataset},
        {"data-dir", c.data_dir},
        {"model", c.model},
        {"threads", std::to_string(c.intra_op_threads)},
        {"p-schedule", formatSchedule(c.p_schedule)},
        {"lr-schedule", formatSchedule(c.lr_schedule)},
        {"allow-zero-lr", c.allow_zero_learning_rate ? "true" : "false"},
        {"init-noise", fmt(c.init_noise)},
    };
}

RunConfig fromKeyValues(const std::map<std::string, std::string>& values, std::vector<ConfigError>* errors) {
    RunConfig c;
    auto bad = [&](const std::string& key, const std::string& value, const std::string& expected) {
        if (errors) errors->push_back({key, key + " is '" + value + "'; expected " + expected});
    };
    auto toDouble = [&](const std::string& key, const std::string& v, double& out) {
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0') bad(key, v, "a number");
        else out = d;
    };
    auto toInt64 = [&](const std::string& key, const std::string& v, auto& out) {
        char* end = nullptr;
        long long n = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0') bad(key, v, "a whole number");
        else out = static_cast<std::remove_reference_t<decltype(out)>>(n);
    };
    for (const auto& [key, v] : values) {
        if (key == "name") c.name = v;
        else if (key == "algorithm") { if (auto a = parseAlgorithm(v)) c.algorithm = *a; else bad(key, v, "gosgd, easgd or naive"); }
        else if (key == "workers") toInt64(key, v, c.workers);
        else if (key == "p") toDouble(key, v, c.p);
        else if (key == "learning-rate") toDouble(key, v, c.learning_rate);
        else if (key == "momentum") toDouble(key, v, c.momentum);
        else if (key == "weight-decay") toDouble(key, v, c.weight_decay);
        else if (key == "batch-size") toInt64(key, v, c.batch_size);
        else if (key == "easgd-alpha") toDouble(key, v, c.easgd_alpha);
        else if (key == "easgd-tau") toInt64(key, v, c.easgd_tau);
        else if (key == "seed") {
            char* end = nullptr;
            unsigned long long s = std::strtoull(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0') bad(key, v, "a whole number"); else c.seed = s;
        }
        else if (key == "budget-kind") { if (auto k = parseBudgetKind(v)) c.budget_kind = *k; else bad(key, v, "epochs, images or seconds"); }
        else if (key == "budget") toDouble(key, v, c.budget);
        else if (key == "devices") c.devices = v;
        else if (key == "test-model") { if (auto m = parseTestModel(v)) c.test_model = *m; else bad(key, v, "uniform, alpha-weighted or center"); }
        else if (key == "eval-every") toInt64(key, v, c.eval_every_images);
        else if (key == "eval-max-images") toInt64(key, v, c.eval_max_images);
        else if (key == "metrics-every") toInt64(key, v, c.metrics_every);
        else if (key == "distance-every") toInt64(key, v, c.distance_every);
        else if (key == "dataset") c.dataset = v;
        else if (key == "data-dir") c.data_dir = v;
        else if (key == "model") c.model = v;
        else if (key == "threads") toInt64(key, v, c.intra_op_threads);
        else if (key == "init-noise") toDouble(key, v, c.init_noise);
        else if (key == "p-schedule" || key == "lr-schedule") {
            std::string error;
            auto steps = parseSchedule(v, &error);
            if (!steps) bad(key, v, "IMAGES:VALUE,... (" + error + ")");
            else (key == "p-schedule" ? c.p_schedule : c.lr_schedule) = *steps;
        }
        else if (key == "allow-zero-lr") {
            if (v == "true" || v == "1") c.allow_zero_learning_rate = true;
            else if (v == "false" || v == "0") c.allow_zero_learning_rate = false;
            else bad(key, v, "true or false");
        }
        else if (errors) errors->push_back({key, "unknown setting '" + key + "'"});
    }
    return c;
}

std::string toJson(const RunConfig& c) {
    static const std::map<std::string, bool> numeric = {
        {"workers", true}, {"p", true}, {"learning-rate", true}, {"momentum", true}, {"weight-decay", true},
        {"batch-size", true}, {"easgd-alpha", true}, {"easgd-tau", true}, {"seed", true}, {"budget", true},
        {"eval-every", true}, {"eval-max-images", true}, {"metrics-every", true}, {"distance-every", true},
        {"threads", true}, {"allow-zero-lr", true}, {"init-noise", true}};
    return json::writeFlatObject(toKeyValues(c), numeric);
}

std::optional<RunConfig> fromJson(const std::string& text, std::vector<ConfigError>* errors) {
    std::string parse_error;
    auto values = json::parseFlatObject(text, &parse_error);
    if (!values) {
        if (errors) errors->push_back({"config", "not a flat JSON object: " + parse_error});
        return std::nullopt;
    }
    std::vector<ConfigError> local;
    RunConfig c = fromKeyValues(*values, &local);
    if (!local.empty()) {
        if (errors) errors->insert(errors->end(), local.begin(), local.end());
        return std::nullopt;
    }
    return c;
}

RunConfig quickDemoPreset() {
    RunConfig c;
    c.algorithm = Algorithm::GoSgd;
    c.workers = 4;
    c.p = 0.1;
    c.learning_rate = 0.05;
    c.batch_size = 32;
    // Long enough to drag p while it goes and watch the consensus answer (a first user's run),
    // the same length on any machine; the test model is evaluated on a subset every 10,000 images
    // per worker, so its panel shows a curve, not one dot.
    c.budget_kind = BudgetKind::Seconds;
    c.budget = 45;
    c.eval_every_images = 10000;
    c.eval_max_images = 2000;
    c.metrics_every = 5;
    c.distance_every = 20;
    return c;
}

RunConfig paperPreset() {
    RunConfig c;
    c.algorithm = Algorithm::GoSgd;
    c.workers = 8;
    c.p = 0.02;
    c.learning_rate = 0.01;
    c.weight_decay = 1e-4;
    c.batch_size = 128;
    c.momentum = 0.0;
    c.easgd_alpha = 0.887;  // the seed text's moving rate "as suggested by the authors"
    c.dataset = "cifar10";
    c.model = "easgd-cifar";
    c.budget_kind = BudgetKind::Epochs;
    c.budget = 10;
    c.eval_every_images = 5000;
    return c;
}

std::optional<RunConfig> presetByName(const std::string& name) {
    if (name == "default") return RunConfig{};
    if (name == "quick") return quickDemoPreset();
    if (name == "paper") return paperPreset();
    if (name == "paper-eamsgd") {
        RunConfig c = paperPreset();
        c.algorithm = Algorithm::Easgd;
        c.momentum = 0.99;
        c.easgd_tau = 50;  // tau = 1/p with p = 0.02: as many exchanges as GoSGD
        c.test_model = TestModel::Center;
        return c;
    }
    if (name == "paper-naive") {
        RunConfig c = paperPreset();
        c.algorithm = Algorithm::Naive;
        return c;
    }
    return std::nullopt;
}

std::vector<std::string> presetNames() { return {"default", "quick", "paper", "paper-eamsgd", "paper-naive"}; }

}  // namespace gossiplab
