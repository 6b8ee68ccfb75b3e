#include "ui/plots/palette.h"

#include <array>

namespace gossiplab::ui::palette {

namespace {

constexpr std::array<QRgb, 12> kWorkers = {
    0x4E79A7, 0xF28E2B, 0xE15759, 0x76B7B2, 0x59A14F, 0xEDC948,  // Tableau 10 ...
    0xB07AA1, 0xFF9DA7, 0x9C755F, 0xBAB0AC,                      //
    0x17BECF, 0xBCBD22,                                          // ... plus cyan and olive
};
constexpr std::array<QRgb, 8> kRuns = {0x1B9E77, 0xD95F02, 0x7570B3, 0xE7298A, 0x66A61E, 0xE6AB02, 0xA6761D, 0x666666};

}  // namespace

QColor worker(int index) {
    const auto i = static_cast<size_t>(index < 0 ? 0 : index) % kWorkers.size();
    return QColor(kWorkers[i]);
}

Qt::PenStyle workerPenStyle(int index) {
    return static_cast<size_t>(index < 0 ? 0 : index) / kWorkers.size() % 2 == 0 ? Qt::SolidLine : Qt::DashLine;
}

QColor run(int index) {
    const auto i = static_cast<size_t>(index < 0 ? 0 : index) % kRuns.size();
    return QColor(kRuns[i]);
}

QColor mean() { return QColor(0x1A1A1A); }

QColor faded(const QColor& color, double amount, const QColor& background) {
    const auto mix = [&](int a, int b) { return static_cast<int>(a + (b - a) * amount + 0.5); };
    return QColor(mix(color.red(), background.red()), mix(color.green(), background.green()),
                  mix(color.blue(), background.blue()));
}

QColor marker() { return QColor(0x6B6B6B); }
QColor gridLine() { return QColor(0xE3E3E3); }
QColor axisText() { return QColor(0x333333); }

}  // namespace gossiplab::ui::palette
