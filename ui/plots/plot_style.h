#pragma once
// The look shared by every plot: fonts, axes, grid, tick labels (1.2k, 35k, 1.5M), log scale.
// Include only from .cpp files (needs qcp.h for the QCustomPlot types it styles).

#include <QFont>

class QCPAxis;
class QCPAxisRect;

namespace gossiplab::ui::style {

QFont titleFont();
QFont labelFont();
QFont tickFont();
QFont legendFont();
QFont markerFont();
QFont placeholderFont();

// Grid, tick label fonts, short number labels on both axes, no sub-grid.
void styleAxisRect(QCPAxisRect* rect);
void styleAxis(QCPAxis* axis);
// Logarithmic (powers of ten) or linear scale with the matching ticker.
void setLogScale(QCPAxis* axis, bool on);

}  // namespace gossiplab::ui::style
