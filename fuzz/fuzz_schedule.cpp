// The schedule strings (--p-schedule, --lr-schedule: "0:0.02,30000:1") through
// gossiplab::parseSchedule, and what validate() then makes of them. Besides crashes and UB:
//   - a schedule parseSchedule accepts comes back unchanged from formatSchedule and a second parse;
//   - a p schedule validate() accepts has values in [0, 1] at increasing image counts.

#include <cmath>
#include <string>
#include <vector>

#include "core/train/run_config.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::string error;
    auto steps = parseSchedule(text, &error);
    if (!steps) {
        fuzz::check(!error.empty(), "parseSchedule refused without a message");
        return 0;
    }
    const std::string formatted = formatSchedule(*steps);
    std::string again_error;
    auto again = parseSchedule(formatted, &again_error);
    fuzz::check(again.has_value(), "formatSchedule wrote what parseSchedule refuses: " + formatted + ": " + again_error);
    fuzz::check(again->size() == steps->size(), "formatSchedule/parseSchedule changed the step count: " + formatted);
    for (size_t k = 0; k < steps->size(); ++k) {
        const auto& a = (*steps)[k];
        const auto& b = (*again)[k];
        // formatSchedule writes the shortest text that reads back exactly (it wrote 10 significant
        // digits until this target found it): values compare exactly, a NaN with a NaN.
        const bool same_value = a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
        fuzz::check(a.at_images_per_worker == b.at_images_per_worker && same_value,
                    "step " + std::to_string(k) + " changed in a round trip: " + formatted);
    }

    RunConfig config = quickDemoPreset();
    config.algorithm = Algorithm::GoSgd;
    config.p_schedule = *steps;
    if (validate(config).empty()) {
        int64_t previous = -1;
        for (const auto& s : *steps) {
            fuzz::check(std::isfinite(s.value) && s.value >= 0.0 && s.value <= 1.0,
                        "validate() accepted a p schedule value outside [0, 1]: " + formatted);
            fuzz::check(s.at_images_per_worker > previous, "validate() accepted image counts that do not increase: " + formatted);
            previous = s.at_images_per_worker;
        }
    }
    return 0;
}
