#pragma once
// Colours of the plots. Workers: Tableau 10 plus two, so that 8-12 workers stay distinguishable;
// beyond 12 the colours repeat with a dashed pen. A worker keeps its colour on every panel. Runs
// (the compare view) use a second palette (ColorBrewer Dark2) so a run never looks like a worker.

#include <QColor>
#include <Qt>

namespace gossiplab::ui::palette {

QColor worker(int index);
Qt::PenStyle workerPenStyle(int index);
QColor run(int index);

// The paper's all-worker mean: bold, near black.
QColor mean();
// A colour mixed toward the background by `amount` (0: unchanged, 1: the background), for the
// faint raw curve behind a smoothed one (cheaper to draw than alpha blending).
QColor faded(const QColor& color, double amount, const QColor& background = Qt::white);

QColor marker();       // vertical setting-change markers
QColor gridLine();
QColor axisText();

}  // namespace gossiplab::ui::palette
