// The JSON settings reader through its public entry points: gossiplab::json::parseFlatObject (any
// JSON GossipLab reads: RunConfig files, the history's config column, experiment specs) and
// gossiplab::fromJson (a RunConfig file). Besides crashes, leaks and hangs, it checks:
//   - what parseFlatObject accepts survives writeFlatObject and a second parse unchanged;
//   - a config fromJson accepts survives toJson and a second fromJson unchanged, with no errors.

#include <map>
#include <string>
#include <vector>

#include "core/common/json.h"
#include "core/train/run_config.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    std::string error;
    if (auto flat = json::parseFlatObject(text, &error)) {
        // Every value written back as a JSON string: the flattened text must come back as it was.
        const std::string written = json::writeFlatObject(*flat, {});
        std::string again_error;
        auto again = json::parseFlatObject(written, &again_error);
        fuzz::check(again.has_value(), "writeFlatObject wrote what parseFlatObject refuses: " + again_error + "\n" + written);
        fuzz::check(*again == *flat, "parseFlatObject(writeFlatObject(x)) != x for " + written);
    } else {
        fuzz::check(!error.empty(), "parseFlatObject refused without a message");
    }

    std::vector<ConfigError> errors;
    if (auto config = fromJson(text, &errors)) {
        const std::string written = toJson(*config);
        std::vector<ConfigError> again_errors;
        auto again = fromJson(written, &again_errors);
        fuzz::check(again.has_value() && again_errors.empty(),
                    "toJson wrote what fromJson refuses: " + formatErrors(again_errors) + "\n" + written);
        fuzz::check(toKeyValues(*again) == toKeyValues(*config), "fromJson(toJson(c)) != c for " + written);
    } else {
        fuzz::check(!errors.empty(), "fromJson refused without naming a field");
        // (The field may be empty: a key "" is reported as the unknown setting ''.)
        for (const auto& e : errors) fuzz::check(!e.message.empty(), "an error without a message for field " + e.field);
    }
    return 0;
}
