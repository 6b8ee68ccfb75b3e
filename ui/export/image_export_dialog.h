#pragma once
// "Save image": the file (its suffix picks PNG, PDF or SVG), the size and, for PNG, the scale
// (2x draws like a HiDPI screen: sharper text and lines at twice the pixels). Remembers the last
// size and scale. exportPlotInteractively() runs the whole thing: dialog, overwrite question,
// write, and a message box when the write fails.

#include <QDialog>
#include <QString>

#include "ui/export/plot_export.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace gossiplab::ui {

class PlotPanel;

class ImageExportDialog final : public QDialog {
    Q_OBJECT
public:
    ImageExportDialog(const QString& suggested_path, QWidget* parent = nullptr);

    QString path() const;
    ImageOptions options() const;

private:
    void browse();
    QLineEdit* path_ = nullptr;
    QSpinBox* width_ = nullptr;
    QSpinBox* height_ = nullptr;
    QComboBox* scale_ = nullptr;
};

// Returns "" when written or cancelled, else the error (already shown to the user).
QString exportPlotInteractively(PlotPanel& panel, const QString& suggested_name, QWidget* parent);

}  // namespace gossiplab::ui
