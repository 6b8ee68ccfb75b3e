#include "ui/export/plot_export.h"

#include <QBuffer>
#include <QFileInfo>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>

#include "ui/plots/plot_panel.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

// The print look: white paper behind everything, whatever brushes the screen uses; restored after.
// QCustomPlot::background() is its background *pixmap*: keeping it in a QBrush made a texture
// brush of a null pixmap, and restoring that left the widget without a background, so every
// replot drew over the last one (doubled, offset tick labels on screen; issue #20). The pixmap
// is kept as a pixmap; the brush, which QCustomPlot does not hand out, is QCustomPlot's default
// that no panel changes.
class PrintTheme {
public:
    explicit PrintTheme(QCustomPlot* plot) : plot_(plot), background_(plot->background()) {
        plot_->setBackground(QBrush(Qt::white));
        for (QCPAxisRect* rect : plot_->axisRects()) {
            rects_.push_back({rect, rect->backgroundBrush()});
            rect->setBackground(QBrush(Qt::white));
        }
    }
    ~PrintTheme() {
        plot_->setBackground(QBrush(Qt::white));
        if (!background_.isNull()) plot_->setBackground(background_);
        for (auto& [rect, brush] : rects_) rect->setBackground(brush);
    }
    PrintTheme(const PrintTheme&) = delete;
    PrintTheme& operator=(const PrintTheme&) = delete;

private:
    QCustomPlot* plot_;
    QPixmap background_;
    std::vector<std::pair<QCPAxisRect*, QBrush>> rects_;
};

}  // namespace

bool imageFormatFromPath(const QString& path, ImageFormat* format) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "png") *format = ImageFormat::Png;
    else if (suffix == "pdf") *format = ImageFormat::Pdf;
    else if (suffix == "svg") *format = ImageFormat::Svg;
    else return false;
    return true;
}

QString suffixOf(ImageFormat format) {
    switch (format) {
        case ImageFormat::Png: return QStringLiteral("png");
        case ImageFormat::Pdf: return QStringLiteral("pdf");
        case ImageFormat::Svg: return QStringLiteral("svg");
    }
    return {};
}

bool validImageOptions(ImageFormat format, const ImageOptions& o, QString* error) {
    if (o.width < 1 || o.width > 20000 || o.height < 1 || o.height > 20000) {
        if (error) *error = QObject::tr("image size %1 x %2 is out of range: width and height must be 1 to 20000 pixels")
                                .arg(o.width).arg(o.height);
        return false;
    }
    if (format == ImageFormat::Png && !(o.scale >= 0.25 && o.scale <= 8.0 && o.width * o.scale <= 40000 && o.height * o.scale <= 40000)) {
        if (error) *error = QObject::tr("scale %1 is out of range: 0.25 to 8").arg(o.scale);
        return false;
    }
    return true;
}

QByteArray renderCustomPlot(QCustomPlot* plot, ImageFormat format, const ImageOptions& o, const QString& title, QString* error) {
    if (!validImageOptions(format, o, error)) return {};
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    bool ok = false;
    switch (format) {
        case ImageFormat::Png: {
            const QPixmap pixmap = plot->toPixmap(o.width, o.height, o.scale);
            ok = !pixmap.isNull() && pixmap.toImage().save(&buffer, "PNG");
            break;
        }
        case ImageFormat::Pdf: {
            // 72 dpi: one point per logical pixel, so the page is exactly width x height points.
            QPdfWriter writer(&buffer);
            writer.setCreator(QStringLiteral("GossipLab"));
            writer.setTitle(title);
            writer.setResolution(72);
            writer.setPageMargins(QMarginsF(0, 0, 0, 0));
            writer.setPageSize(QPageSize(QSizeF(o.width, o.height), QPageSize::Point, QString(), QPageSize::ExactMatch));
            QCPPainter painter;
            if (painter.begin(&writer)) {
                painter.setMode(QCPPainter::pmVectorized);
                painter.setMode(QCPPainter::pmNoCaching);
                plot->toPainter(&painter, o.width, o.height);
                ok = painter.end();
            }
            break;
        }
        case ImageFormat::Svg: {
            QSvgGenerator generator;
            generator.setOutputDevice(&buffer);
            generator.setSize(QSize(o.width, o.height));
            generator.setViewBox(QRect(0, 0, o.width, o.height));
            generator.setTitle(title);
            generator.setDescription(QStringLiteral("GossipLab plot"));
            QCPPainter painter;
            if (painter.begin(&generator)) {
                painter.setMode(QCPPainter::pmVectorized);
                plot->toPainter(&painter, o.width, o.height);
                ok = painter.end();
            }
            break;
        }
    }
    if (!ok || bytes.isEmpty()) {
        if (error) *error = QObject::tr("could not draw the plot as %1").arg(suffixOf(format).toUpper());
        return {};
    }
    return bytes;
}

QByteArray renderPlot(PlotPanel& panel, ImageFormat format, const ImageOptions& o, QString* error) {
    if (!validImageOptions(format, o, error)) return {};
    QCustomPlot* plot = panel.customPlot();
    // The export refreshes the panel from its data; what the screen shows (ranges included) comes
    // back afterwards, so an export never changes the widgets.
    std::vector<std::pair<QCPAxis*, QCPRange>> ranges;
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes()) ranges.emplace_back(axis, axis->range());
    struct RestoreScreen {
        QCustomPlot* plot;
        std::vector<std::pair<QCPAxis*, QCPRange>>& ranges;
        ~RestoreScreen() {
            for (auto& [axis, range] : ranges) axis->setRange(range);
            plot->replot(QCustomPlot::rpQueuedReplot);
        }
    } restore{plot, ranges};
    // A file gets every bucket, not the screen's one per pixel.
    struct FullDetail {
        PlotPanel& panel;
        ~FullDetail() { panel.setFullDetail(false); }
    } full_detail{panel};
    panel.setFullDetail(true);
    panel.refresh(true, true);
    // A legend kept off the screen (the view has its own key) is drawn in the file, on its own.
    struct ExportLegend {
        QCPLegend* legend;
        bool was_visible;
        ~ExportLegend() {
            if (legend) legend->setVisible(was_visible);
        }
    } legend{plot->legend, plot->legend && plot->legend->visible()};
    if (plot->legend && plot->property("legendInExports").toBool() && plot->legend->itemCount() > 0) plot->legend->setVisible(true);
    PrintTheme theme(plot);
    return renderCustomPlot(plot, format, o, panel.title(), error);
}

QString exportPlot(PlotPanel& panel, const QString& path, const ImageOptions& options, const OverwriteQuestion& ask,
                   bool* skipped) {
    if (skipped) *skipped = false;
    ImageFormat format;
    if (!imageFormatFromPath(path, &format))
        return QObject::tr("%1: the file name must end in .png, .pdf or .svg").arg(path);
    if (!mayWrite({path}, ask)) {
        if (skipped) *skipped = true;
        return {};
    }
    QString error;
    const QByteArray bytes = renderPlot(panel, format, options, &error);
    if (bytes.isEmpty()) return QObject::tr("%1: %2").arg(path, error);
    return writeFileSafely(path, bytes);
}

}  // namespace gossiplab::ui
