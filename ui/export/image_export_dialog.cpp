#include "ui/export/image_export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

#include "ui/plots/plot_panel.h"

namespace gossiplab::ui {

ImageExportDialog::ImageExportDialog(const QString& suggested_path, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Save plot"));
    QSettings s;
    auto* form = new QFormLayout(this);
    auto* file_row = new QHBoxLayout;
    path_ = new QLineEdit(suggested_path, this);
    path_->setMinimumWidth(360);
    auto* browse = new QPushButton(tr("Browse..."), this);
    file_row->addWidget(path_, 1);
    file_row->addWidget(browse);
    form->addRow(tr("File (.png, .pdf, .svg)"), file_row);
    width_ = new QSpinBox(this);
    width_->setRange(100, 20000);
    width_->setValue(s.value("export/width", 1200).toInt());
    width_->setSuffix(tr(" px"));
    height_ = new QSpinBox(this);
    height_->setRange(100, 20000);
    height_->setValue(s.value("export/height", 720).toInt());
    height_->setSuffix(tr(" px"));
    form->addRow(tr("Width"), width_);
    form->addRow(tr("Height"), height_);
    scale_ = new QComboBox(this);
    for (double f : {1.0, 2.0, 3.0}) scale_->addItem(tr("%1x").arg(f), f);
    scale_->setCurrentIndex(std::max(0, scale_->findData(s.value("export/scale", 2.0).toDouble())));
    scale_->setToolTip(tr("PNG only: 2x writes twice the pixels, drawn like a HiDPI screen"));
    form->addRow(tr("PNG scale"), scale_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, this, &ImageExportDialog::browse);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        ImageFormat f;
        if (!imageFormatFromPath(path(), &f)) {
            QMessageBox::warning(this, tr("Save plot"), tr("File: the name must end in .png, .pdf or .svg"));
            return;
        }
        QSettings settings;
        settings.setValue("export/width", width_->value());
        settings.setValue("export/height", height_->value());
        settings.setValue("export/scale", scale_->currentData().toDouble());
        settings.setValue("export/folder", QFileInfo(path()).absolutePath());
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void ImageExportDialog::browse() {
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Save plot"), path(),
                                                        tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"),
                                                        nullptr, QFileDialog::DontConfirmOverwrite);
    if (!chosen.isEmpty()) path_->setText(chosen);
}

QString ImageExportDialog::path() const { return path_->text().trimmed(); }

ImageOptions ImageExportDialog::options() const {
    ImageOptions o;
    o.width = width_->value();
    o.height = height_->value();
    o.scale = scale_->currentData().toDouble();
    return o;
}

QString exportPlotInteractively(PlotPanel& panel, const QString& suggested_name, QWidget* parent) {
    const QString folder = QSettings().value("export/folder", QDir::homePath()).toString();
    ImageExportDialog dialog(QDir(folder).filePath(suggested_name + ".png"), parent);
    if (dialog.exec() != QDialog::Accepted) return {};
    const QString error = exportPlot(panel, dialog.path(), dialog.options(), askWithDialog(parent));
    if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Save plot"), error);
    return error;
}

}  // namespace gossiplab::ui
