#pragma once
// "Save image": the file (its suffix picks PNG, PDF or SVG), the size and, for PNG, the scale
// (2x draws like a HiDPI screen: sharper text and lines at twice the pixels). Remembers the last
// size and scale. exportPlotInteractively() runs the whole thing: dialog, overwrite question,
// write, and a message box when the write fails.

#include <functional>

#include <QDialog>
#include <QString>
#include <QStringList>

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

// Where every export dialog starts: the folder of the last export (QSettings export/folder),
// else the home folder. Save image, Export all and the experiment export share it.
QString lastExportFolder();
void rememberExportFolder(const QString& folder);

// Asked when the chosen folder does not exist yet; true: create it.
using CreateFolderQuestion = std::function<bool(const QString& folder)>;
CreateFolderQuestion askCreateFolderWithDialog(QWidget* parent);

// The folder dialog of "Export all": starts in lastExportFolder(); a typed name of a folder that
// does not exist yet is accepted and, after `ask` (default: a message box), created. "" when
// cancelled, declined or the folder could not be created (said in a message box).
QString chooseExportFolder(QWidget* parent, const QString& title, const CreateFolderQuestion& ask = {});

// Every export that wrote files says so here (one signal per export); the main window shows
// where they went in its status bar, with a button that opens the folder.
class ExportNotifier final : public QObject {
    Q_OBJECT
public:
    static ExportNotifier* instance();
    // Remembers the folder as the last export folder and emits exported(); nothing when empty.
    void report(const QStringList& files);
    // The folder holding all of `files` (their common parent folder).
    static QString folderOf(const QStringList& files);

Q_SIGNALS:
    void exported(const QStringList& files, const QString& folder);

private:
    using QObject::QObject;
};

}  // namespace gossiplab::ui
