#include "ui/plots/plot_style.h"

#include <cmath>

#include <QApplication>

#include "ui/plots/palette.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui::style {

namespace {

QFont baseFont(double delta_points, bool bold = false) {
    QFont f = QApplication::font();
    const double size = f.pointSizeF() > 0 ? f.pointSizeF() : 9.0;
    f.setPointSizeF(std::max(6.0, size + delta_points));
    f.setBold(bold);
    return f;
}

// Tick labels a researcher reads at a glance: 1.2k, 35k, 1.5M, 0.02, 1e-05.
QString shortNumber(double v) {
    const double a = std::fabs(v);
    if (a == 0.0) return QStringLiteral("0");
    // Up to three significant digits: 2.5k, 12.5k, 125k, 1.25M.
    auto trimmed = [](double x, const char* suffix) {
        const double ax = std::fabs(x);
        QString s = QString::number(x, 'f', ax < 10 ? 2 : ax < 100 ? 1 : 0);
        if (s.contains('.')) {
            while (s.endsWith('0')) s.chop(1);
            if (s.endsWith('.')) s.chop(1);
        }
        return s + QLatin1String(suffix);
    };
    if (a >= 1e9) return trimmed(v / 1e9, "G");
    if (a >= 1e6) return trimmed(v / 1e6, "M");
    if (a >= 1e3) return trimmed(v / 1e3, "k");
    if (a >= 1e-3) return QString::number(v, 'g', 4);
    return QString::number(v, 'e', 0).replace(QLatin1String("e-0"), QLatin1String("e-"));
}

class ShortTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale&, QChar, int) override { return shortNumber(tick); }
};

class ShortLogTicker : public QCPAxisTickerLog {
protected:
    QString getTickLabel(double tick, const QLocale&, QChar, int) override {
        const double e = std::log10(tick);
        if (std::fabs(e - std::round(e)) < 1e-9 && (e < -3 || e > 4))
            return QStringLiteral("1e%1").arg(static_cast<int>(std::round(e)));
        return shortNumber(tick);
    }
    // Powers of ten only once the range spans a few decades; 1-2-5 steps (or finer) inside a
    // decade or two, so a log axis over 0.3..2.3 still has labels.
    QVector<double> createTickVector(double tick_step, const QCPRange& range) override {
        if (!(range.lower > 0) || !(range.upper > range.lower)) return QCPAxisTickerLog::createTickVector(tick_step, range);
        const double decades = std::log10(range.upper / range.lower);
        dense_ = decades < 2.5;
        if (!dense_) return QCPAxisTickerLog::createTickVector(tick_step, range);
        static const double kCoarse[] = {1, 2, 5};
        static const double kFine[] = {1, 1.5, 2, 3, 4, 5, 6, 8};
        const bool fine = decades < 0.6;
        QVector<double> ticks;
        for (int e = int(std::floor(std::log10(range.lower))) - 1; e <= int(std::ceil(std::log10(range.upper))); ++e) {
            const double base = std::pow(10.0, e);
            const int n = fine ? 8 : 3;
            for (int k = 0; k < n; ++k) {
                const double t = base * (fine ? kFine[k] : kCoarse[k]);
                if (t >= range.lower * 0.999 && t <= range.upper * 1.001) ticks.push_back(t);
            }
        }
        return ticks;
    }
    QVector<double> createSubTickVector(int sub_tick_count, const QVector<double>& ticks) override {
        if (dense_) return {};
        return QCPAxisTickerLog::createSubTickVector(sub_tick_count, ticks);
    }

private:
    bool dense_ = false;
};

}  // namespace

QFont titleFont() { return baseFont(0.5, true); }
QFont labelFont() { return baseFont(-0.5); }
QFont tickFont() { return baseFont(-1.0); }
QFont legendFont() { return baseFont(-1.0); }
QFont markerFont() { return baseFont(-1.5); }
QFont placeholderFont() { return baseFont(0.5); }

void styleAxis(QCPAxis* axis) {
    axis->setTickLabelFont(tickFont());
    axis->setLabelFont(labelFont());
    axis->setLabelColor(palette::axisText());
    axis->setTickLabelColor(palette::axisText());
    axis->setBasePen(QPen(QColor(0x9A9A9A)));
    axis->setTickPen(QPen(QColor(0x9A9A9A)));
    axis->setSubTickPen(QPen(QColor(0xB0B0B0)));
    axis->setTickLengthIn(0);
    axis->setTickLengthOut(4);
    axis->setSubTickLengthIn(0);
    axis->setSubTickLengthOut(2);
    axis->grid()->setPen(QPen(palette::gridLine(), 1, Qt::SolidLine));
    axis->grid()->setZeroLinePen(Qt::NoPen);
    axis->grid()->setSubGridVisible(false);
    axis->setPadding(2);
    axis->setLabelPadding(4);
    setLogScale(axis, axis->scaleType() == QCPAxis::stLogarithmic);
}

void styleAxisRect(QCPAxisRect* rect) {
    for (QCPAxis* axis : rect->axes()) styleAxis(axis);
    rect->setBackground(Qt::white);
}

void setLogScale(QCPAxis* axis, bool on) {
    if (on) {
        axis->setScaleType(QCPAxis::stLogarithmic);
        auto ticker = QSharedPointer<ShortLogTicker>::create();
        ticker->setLogBase(10);
        ticker->setSubTickCount(8);
        axis->setTicker(ticker);
    } else {
        axis->setScaleType(QCPAxis::stLinear);
        auto ticker = QSharedPointer<ShortTicker>::create();
        ticker->setTickCount(5);
        axis->setTicker(ticker);
    }
}

}  // namespace gossiplab::ui::style
