#pragma once
// Plots to files: PNG (size and scale chosen, 2x for HiDPI screens), PDF and SVG (vector), all
// in the light, print-friendly look whatever the screen looks like, written through
// writeFileSafely (never a truncated file; failures come back as a sentence naming the file).

#include <QByteArray>
#include <QString>

#include "ui/export/safe_write.h"

class QCustomPlot;

namespace gossiplab::ui {

class PlotPanel;

enum class ImageFormat { Png, Pdf, Svg };

struct ImageOptions {
    int width = 1200;   // logical pixels (PDF: points)
    int height = 720;
    double scale = 1.0;  // PNG only: 2.0 writes a 2400 x 1440 image drawn like a HiDPI screen
};

// From a file name's suffix (png, pdf, svg; case-insensitive); false for anything else.
bool imageFormatFromPath(const QString& path, ImageFormat* format);
QString suffixOf(ImageFormat format);

// Renders the panel (refreshed first) into the bytes of a file of that format. Empty with
// `error` set when the size is out of range (1 to 20000 pixels, scale 0.25 to 8).
QByteArray renderPlot(PlotPanel& panel, ImageFormat format, const ImageOptions& options, QString* error = nullptr);

// The same for any QCustomPlot as it is now (no refresh, no print theme): the Experiments tab's
// own plots. `title` goes into the PDF's and SVG's metadata.
QByteArray renderCustomPlot(QCustomPlot* plot, ImageFormat format, const ImageOptions& options, const QString& title,
                            QString* error = nullptr);
bool validImageOptions(ImageFormat format, const ImageOptions& options, QString* error);

// Renders and writes one plot: "" on success, else the reason. Existing files are replaced only
// when `ask` says so ("" and `*skipped` = true when it says no).
QString exportPlot(PlotPanel& panel, const QString& path, const ImageOptions& options, const OverwriteQuestion& ask,
                   bool* skipped = nullptr);

}  // namespace gossiplab::ui
