#include "ui/export/data_export.h"

#include <QDir>
#include <QFileInfo>

#include "core/store/history.h"
#include "ui/export/image_export_dialog.h"
#include "ui/plots/plot_panel.h"

namespace gossiplab::ui {

namespace {

QString csvInto(const QString& history_path, const std::vector<int64_t>& run_ids, CsvKind kind, const QString& path) {
    if (run_ids.empty()) return QObject::tr("%1: no runs selected").arg(path);
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(history_path.toStdString(), options);
    if (!history) return QString::fromStdString(history.error().message);
    const auto result = kind == CsvKind::Points ? history->exportSeriesCsvFile(run_ids, path.toStdString())
                                                : history->exportRunsCsvFile(run_ids, path.toStdString());
    if (!result) return QObject::tr("Could not write %1: %2").arg(QDir::toNativeSeparators(path), QString::fromStdString(result.error().message));
    return {};
}

}  // namespace

QString exportCsv(const QString& history_path, const std::vector<int64_t>& run_ids, CsvKind kind, const QString& path,
                  const OverwriteQuestion& ask, bool* skipped) {
    if (skipped) *skipped = false;
    if (!mayWrite({path}, ask)) {
        if (skipped) *skipped = true;
        return {};
    }
    const QString error = csvInto(history_path, run_ids, kind, path);
    if (error.isEmpty()) ExportNotifier::instance()->report({QFileInfo(path).absoluteFilePath()});
    return error;
}

QStringList exportAllPaths(const ExportAllRequest& request) {
    const QDir dir(request.folder);
    QStringList paths = {dir.filePath("points.csv"), dir.filePath("runs.csv")};
    for (const auto& [name, panel] : request.plots)
        for (ImageFormat f : request.formats) paths << dir.filePath(name + "." + suffixOf(f));
    return paths;
}

ExportAllResult exportAll(const ExportAllRequest& request, const OverwriteQuestion& ask) {
    ExportAllResult result;
    if (const QString problem = folderProblem(request.folder); !problem.isEmpty()) {
        result.errors << problem;
        return result;
    }
    const QStringList paths = exportAllPaths(request);
    if (!mayWrite(paths, ask)) {
        result.cancelled = true;
        return result;
    }
    auto note = [&](const QString& path, const QString& error) {
        if (error.isEmpty()) result.written << path;
        else result.errors << error;
    };
    int k = 0;
    note(paths[k], csvInto(request.history_path, request.run_ids, CsvKind::Points, paths[k]));
    ++k;
    note(paths[k], csvInto(request.history_path, request.run_ids, CsvKind::Runs, paths[k]));
    ++k;
    for (const auto& [name, panel] : request.plots) {
        for (size_t n = 0; n < request.formats.size(); ++n) {
            const QString& path = paths[k++];
            if (!panel) continue;
            // Existing files were already accepted above: no second question.
            note(path, exportPlot(*panel, path, request.image, alwaysOverwrite()));
        }
    }
    // Where the files went: the main window's status bar (with a button that opens the folder).
    ExportNotifier::instance()->report(result.written);
    return result;
}

}  // namespace gossiplab::ui
