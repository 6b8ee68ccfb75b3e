#include "ui/model/algorithm_names.h"

#include "core/train/run_settings.h"

namespace gossiplab::ui {

QString algorithmKey(Algorithm algorithm) { return QString::fromStdString(toString(algorithm)); }

QString algorithmLabel(Algorithm algorithm) {
    const std::string key = toString(algorithm);
    if (const RunSetting* setting = findRunSetting("algorithm")) {
        for (const auto& [value, label] : setting->choices)
            if (value == key) return QString::fromStdString(label);
    }
    return QString::fromStdString(key);
}

}  // namespace gossiplab::ui
