#pragma once
// The read-only tables of the Experiments tab (queue, time to loss, ratios): one look, one place.

#include <QStringList>

class QTableWidget;
class QTableWidgetItem;
class QWidget;

namespace gossiplab::ui {

// A table with these column headers, rows selected whole, no editing, no row numbers.
QTableWidget* makeReadOnlyTable(const QStringList& headers, QWidget* parent);
// A cell; numbers are right-aligned.
QTableWidgetItem* tableCell(const QString& text, bool number = false);

}  // namespace gossiplab::ui
