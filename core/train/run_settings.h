#pragma once
// Every setting of a run, described once. The CLI's flags and --help, the JSON and key/value
// forms the history stores, the settings form, the config diff and the man page loop over this
// table; validate() takes each number's allowed range from it. Adding a setting is one entry here
// (plus its RunConfig member and its test).

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/train/run_config.h"

namespace gossiplab {

enum class SettingKind {
    Text,      // free text (name, data-dir, devices)
    Whole,     // an integer
    Unsigned,  // a non-negative 64-bit integer (the seed)
    Number,    // a real number
    Choice,    // one of `choices`
    Switch,    // true/false; on the command line a flag without a value
    Schedule,  // IMAGES:VALUE,...
};

// Where the settings form shows a setting (Hidden: not in the form).
enum class SettingSection { Algorithm, DataAndModel, Budget, Advanced, Hidden };

// A closed numeric range, or half-open where an end is excluded.
struct SettingBounds {
    double low = 0.0, high = 0.0;
    bool low_excluded = false, high_excluded = false;
    bool contains(double value) const;
};

struct RunSetting {
    std::string key;                   // the history's and JSON's key and the CLI flag: "learning-rate"
    std::vector<std::string> aliases;  // more CLI flags: {"lr"}
    std::string label;                 // the settings form's label
    std::string metavar;               // --help's placeholder: "LR"
    std::string help;                  // one line: --help, the form's tooltip, the man page
    std::string range;                 // the allowed values in words; validation messages quote it
    SettingKind kind = SettingKind::Text;
    std::vector<std::pair<std::string, std::string>> choices;  // (value, label) of a Choice
    std::vector<Algorithm> algorithms;  // the algorithms it applies to; empty: all
    SettingSection section = SettingSection::Hidden;
    std::optional<SettingBounds> bounds;  // checked by validate(); absent: checked there by hand
    bool per_process = false;  // each process of a multi-process run has its own (never conflicts)
    bool stored = true;        // in the history and in JSON files
    bool flag = true;          // a command-line flag
    bool zero_shows_empty = false;  // 0 means "automatic": the form shows an empty field
    std::function<std::string(const RunConfig&)> get;
    // Parses `text` into the config; on failure returns what was expected ("a number", ...).
    std::function<std::optional<std::string>(RunConfig&, const std::string&)> set;
    // A numeric setting's value, exactly (validate() checks `bounds` on it); empty otherwise.
    std::function<double(const RunConfig&)> number;

    bool appliesTo(Algorithm algorithm) const;
    bool isNumeric() const;  // written as a JSON number
};

const std::vector<RunSetting>& runSettings();
// By key or alias; nullptr when none.
const RunSetting* findRunSetting(const std::string& key_or_alias);

// "p is 'x'; expected a number": the one wording for a value that does not parse.
std::string notParsedMessage(const std::string& key, const std::string& text, const std::string& expected);
// The same for a setting, with its allowed range: "workers is 'x'; expected a whole number (allowed range: 1 to 64)".
std::string notParsedMessage(const RunSetting& setting, const std::string& text, const std::string& expected);
// "workers is 0; allowed range: 1 to 64".
std::string outOfRangeMessage(const RunSetting& setting, const std::string& value);

}  // namespace gossiplab
