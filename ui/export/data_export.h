#pragma once
// Raw data and "Export all": the store's long-format CSV (every recorded point, not the decimated
// view the plots draw), the runs CSV (configs and final metrics), and every plot of a run or a
// comparison with both CSVs into one folder. Nothing is overwritten without asking; every failed
// write is reported with its file and reason.

#include <cstdint>
#include <utility>
#include <vector>

#include <QString>
#include <QStringList>

#include "ui/export/plot_export.h"

namespace gossiplab::ui {

class PlotPanel;

enum class CsvKind { Points, Runs };

// Writes the CSV of `run_ids` from the history file: "" on success (or when `ask` declined, with
// `*skipped`), else the reason naming the file.
QString exportCsv(const QString& history_path, const std::vector<int64_t>& run_ids, CsvKind kind, const QString& path,
                  const OverwriteQuestion& ask, bool* skipped = nullptr);

struct ExportAllRequest {
    QString history_path;
    std::vector<int64_t> run_ids;
    std::vector<std::pair<QString, PlotPanel*>> plots;  // file base name ("loss") -> panel
    QString folder;
    std::vector<ImageFormat> formats = {ImageFormat::Png, ImageFormat::Pdf, ImageFormat::Svg};
    ImageOptions image;
};

struct ExportAllResult {
    QStringList written;  // paths, in order
    QStringList errors;   // one sentence each
    bool cancelled = false;  // the user declined to overwrite: nothing was written
    bool ok() const { return errors.isEmpty() && !cancelled; }
};

// The file names exportAll writes, in order (points.csv, runs.csv, then each plot in each format).
QStringList exportAllPaths(const ExportAllRequest& request);
// Asks once for all the files that exist; then writes each, going on after a failure.
ExportAllResult exportAll(const ExportAllRequest& request, const OverwriteQuestion& ask);

}  // namespace gossiplab::ui
