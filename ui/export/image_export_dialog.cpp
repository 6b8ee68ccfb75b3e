#include "ui/export/image_export_dialog.h"

#include <QApplication>
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
    ImageExportDialog dialog(QDir(lastExportFolder()).filePath(suggested_name + ".png"), parent);
    if (dialog.exec() != QDialog::Accepted) return {};
    const QString path = dialog.path();
    bool declined = false;
    const QString error = exportPlot(panel, path, dialog.options(), [&](const QStringList& existing) {
        declined = !askWithDialog(parent)(existing);
        return !declined;
    });
    if (!error.isEmpty()) QMessageBox::warning(parent, QObject::tr("Save plot"), error);
    else if (!declined) ExportNotifier::instance()->report({QFileInfo(path).absoluteFilePath()});
    return error;
}

namespace {

class FolderDialog final : public QFileDialog {
public:
    using QFileDialog::QFileDialog;
    void accept() override {
        const QStringList files = selectedFiles();
        if (files.size() == 1 && !files.constFirst().isEmpty() && !QFileInfo::exists(files.constFirst())) {
            QDialog::accept();
            return;
        }
        QFileDialog::accept();
    }
};

}  // namespace

QString lastExportFolder() {
    const QString folder = QSettings().value("export/folder").toString();
    return !folder.isEmpty() && QFileInfo(folder).isDir() ? folder : QDir::homePath();
}

void rememberExportFolder(const QString& folder) {
    if (!folder.isEmpty()) QSettings().setValue("export/folder", QFileInfo(folder).absoluteFilePath());
}

CreateFolderQuestion askCreateFolderWithDialog(QWidget* parent) {
    return [parent](const QString& folder) {
        return QMessageBox::question(parent, QObject::tr("Create the folder?"),
                                     QObject::tr("The folder %1 does not exist yet.\n\nCreate it and export into it?")
                                         .arg(QDir::toNativeSeparators(folder)),
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes) == QMessageBox::Yes;
    };
}

QString chooseExportFolder(QWidget* parent, const QString& title, const CreateFolderQuestion& ask) {
    // Qt's own dialog for folders, except that a typed name of a folder that does not exist yet is
    // accepted (Qt's says "Directory not found"): it is offered to be created below.
    FolderDialog dialog(parent, title, lastExportFolder());
    dialog.setObjectName("exportFolderDialog");
    dialog.setOption(QFileDialog::DontUseNativeDialog);
    dialog.setOption(QFileDialog::ShowDirsOnly);
    dialog.setFileMode(QFileDialog::Directory);
    dialog.setLabelText(QFileDialog::Accept, QObject::tr("Export here"));
    dialog.setToolTip(QObject::tr("Type a new folder's name to create it"));
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) return {};
    QString folder = dialog.selectedFiles().constFirst();
    // Accept with nothing typed: the folder the dialog shows.
    if (QFileInfo(folder).isFile()) {
        QMessageBox::warning(parent, title, QObject::tr("%1 is a file, not a folder").arg(QDir::toNativeSeparators(folder)));
        return {};
    }
    folder = QFileInfo(folder).absoluteFilePath();
    if (!QFileInfo(folder).exists()) {
        const CreateFolderQuestion question = ask ? ask : askCreateFolderWithDialog(parent);
        if (!question(folder)) return {};
        if (!QDir().mkpath(folder)) {
            QMessageBox::warning(parent, title, QObject::tr("Could not create the folder %1").arg(QDir::toNativeSeparators(folder)));
            return {};
        }
    }
    return folder;
}

ExportNotifier* ExportNotifier::instance() {
    static ExportNotifier* notifier = nullptr;
    if (!notifier) notifier = new ExportNotifier(QCoreApplication::instance());
    return notifier;
}

QString ExportNotifier::folderOf(const QStringList& files) {
    if (files.isEmpty()) return {};
    QString folder = QFileInfo(files.constFirst()).absolutePath();
    for (const QString& f : files)
        while (!QFileInfo(f).absoluteFilePath().startsWith(folder.endsWith('/') ? folder : folder + '/')) {
            const QString up = QFileInfo(folder).absolutePath();
            if (up == folder) break;
            folder = up;
        }
    return folder;
}

void ExportNotifier::report(const QStringList& files) {
    if (files.isEmpty()) return;
    const QString folder = folderOf(files);
    rememberExportFolder(folder);
    Q_EMIT exported(files, folder);
}

}  // namespace gossiplab::ui
