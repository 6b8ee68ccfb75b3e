#include "core/train/run_config.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "core/common/json.h"
#include "core/train/run_settings.h"

namespace gossiplab {

namespace {

std::string fmt(double value) {
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
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

int RunConfig::effectiveLocalSteps() const {
    if (local_steps > 0) return local_steps;
    if (p <= 0.0) return 0;
    return std::max(1, static_cast<int>(std::lround(1.0 / p)));
}

std::string RunConfig::effectiveName() const {
    if (!name.empty()) return name;
    std::string out = toString(algorithm);
    if (algorithm == Algorithm::GoSgd) out += "-p" + fmt(p);
    if (algorithm == Algorithm::Easgd) out += "-tau" + std::to_string(effectiveEasgdTau());
    if (algorithm == Algorithm::LocalSgd) out += "-H" + std::to_string(effectiveLocalSteps());
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
        const RunSetting& p = *findRunSetting("p");
        if (!p.bounds->contains(value)) return ConfigError{"p", outOfRangeMessage(p, fmt(value))};
        return std::nullopt;
    }
    if (field == "learning-rate") {
        // Greater than 0, or 0 itself where allow-zero-lr says so (consensus without gradients).
        const SettingBounds bounds{0.0, 10.0, !config.allow_zero_learning_rate, false};
        if (!bounds.contains(value)) return ConfigError{"learning-rate", outOfRangeMessage(*findRunSetting("learning-rate"), fmt(value))};
        return std::nullopt;
    }
    return ConfigError{field, "'" + field + "' cannot be changed while a run is going (only p and learning-rate)"};
}

std::vector<ConfigError> validate(const RunConfig& c) {
    std::vector<ConfigError> errors;
    auto add = [&](const std::string& field, const std::string& message) { errors.push_back({field, message}); };

    // What the table of settings says: numbers in their ranges, choices among their values.
    for (const RunSetting& s : runSettings()) {
        if (s.bounds && s.number) {
            // The budget's flags: only the one of the budget's kind applies.
            if (!s.stored && s.key != toString(c.budget_kind)) continue;
            const double value = s.number(c);
            if (!s.bounds->contains(value)) add(s.key, outOfRangeMessage(s, s.kind == SettingKind::Number ? fmt(value) : s.get(c)));
        } else if (s.kind == SettingKind::Choice) {
            const std::string value = s.get(c);
            bool known = false;
            std::string allowed;
            for (const auto& [choice, label] : s.choices) {
                known = known || choice == value;
                allowed += (allowed.empty() ? "" : ", ") + choice;
            }
            if (!known) add(s.key, s.key + " is '" + value + "'; allowed: " + allowed);
        }
    }
    // What the table cannot say: rules between settings, and texts with a grammar.
    if (c.name.size() > 200) add("name", "name is " + std::to_string(c.name.size()) + " bytes long; allowed: at most 200");
    if (auto e = validateLiveSetting("learning-rate", c.learning_rate, c)) errors.push_back(*e);
    if (c.algorithm == Algorithm::Easgd && c.easgd_tau == 0 && c.p <= 0.0)
        add("easgd-tau", "easgd-tau must be given when p is 0 (its default is round(1/p)); allowed range: 1 to 1000000");
    if (c.algorithm == Algorithm::LocalSgd && c.local_steps == 0 && c.p <= 0.0)
        add("local-steps", "local-steps must be given when p is 0 (its default is round(1/p)); allowed range: 1 to 1000000");
    if (!validDevices(c.devices))
        add("devices", "devices is '" + c.devices + "'; allowed: " + findRunSetting("devices")->range);
    if (c.test_model == TestModel::Center && c.algorithm != Algorithm::Easgd)
        add("test-model", "test-model 'center' needs algorithm easgd; allowed here: uniform, alpha-weighted");
    if (c.test_model == TestModel::AlphaWeighted && !hasSumWeights(c.algorithm))
        add("test-model", "test-model 'alpha-weighted' needs algorithm gosgd or sgp; allowed here: uniform" +
                              std::string(c.algorithm == Algorithm::Easgd ? ", center" : ""));
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
        case Algorithm::AllReduce: return "allreduce";
        case Algorithm::LocalSgd: return "local-sgd";
        case Algorithm::DPsgd: return "dpsgd";
        case Algorithm::AdPsgd: return "adpsgd";
        case Algorithm::Sgp: return "sgp";
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
    if (t == "allreduce" || t == "all-reduce") return Algorithm::AllReduce;
    if (t == "local-sgd" || t == "localsgd") return Algorithm::LocalSgd;
    if (t == "dpsgd" || t == "d-psgd") return Algorithm::DPsgd;
    if (t == "adpsgd" || t == "ad-psgd") return Algorithm::AdPsgd;
    if (t == "sgp") return Algorithm::Sgp;
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
    auto fail = [&](const std::string& why) {
        if (error) *error = why;
        return std::nullopt;
    };
    // Every byte must belong to a number: an embedded NUL or trailing junk is refused, not cut off.
    auto whole = [](const std::string& t, const char* end) { return !t.empty() && end == t.c_str() + t.size(); };
    size_t start = 0;
    while (true) {
        const size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty()) return fail("an empty step (two commas, or one at the start or end)");
        const auto colon = item.find(':');
        if (colon == std::string::npos) return fail("'" + item + "' is not IMAGES:VALUE (e.g. 0:0.02,30000:1)");
        const std::string at = item.substr(0, colon), value = item.substr(colon + 1);
        ScheduleStep step;
        char* end = nullptr;
        errno = 0;
        step.at_images_per_worker = std::strtoll(at.c_str(), &end, 10);
        if (!whole(at, end) || errno == ERANGE) return fail("'" + at + "' is not a whole number of images per worker");
        step.value = std::strtod(value.c_str(), &end);
        if (!whole(value, end)) return fail("'" + value + "' is not a number");
        steps.push_back(step);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return steps;
}

std::string formatSchedule(const std::vector<ScheduleStep>& steps) {
    // Values as the settings table writes numbers: the shortest text that reads back exactly.
    std::string out;
    for (const auto& s : steps) {
        char buffer[64];
        const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, s.value);
        out += (out.empty() ? "" : ",") + std::to_string(s.at_images_per_worker) + ":" +
               (ec == std::errc() ? std::string(buffer, end) : fmt(s.value));
    }
    return out;
}

std::map<std::string, std::string> toKeyValues(const RunConfig& c) {
    std::map<std::string, std::string> out;
    for (const RunSetting& s : runSettings())
        if (s.stored) out[s.key] = s.get(c);
    return out;
}

RunConfig fromKeyValues(const std::map<std::string, std::string>& values, std::vector<ConfigError>* errors) {
    RunConfig c;
    for (const auto& [key, value] : values) {
        const RunSetting* s = findRunSetting(key);
        if (!s || !s->stored || s->key != key) {
            if (errors) errors->push_back({key, "unknown setting '" + key + "'"});
            continue;
        }
        if (auto expected = s->set(c, value))
            if (errors) errors->push_back({key, notParsedMessage(*s, value, *expected)});
    }
    return c;
}

std::string toJson(const RunConfig& c) {
    std::map<std::string, bool> numeric;
    for (const RunSetting& s : runSettings()) numeric[s.key] = s.isNumeric();
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
