#include "ui/plots/panel_specs.h"

#include <QObject>

namespace gossiplab::ui::specs {

WorkerPanelSpec loss() {
    WorkerPanelSpec s;
    s.title = QObject::tr("Training loss (mean of the last 50 mini-batches)");
    s.y_label = QObject::tr("cross-entropy loss");
    s.series = WorkerSeries::Loss;
    s.aggregate = RunSeries::MeanLoss;
    s.aggregate_name = QObject::tr("mean");
    s.smoothable = true;
    s.legend = true;
    return s;
}

WorkerPanelSpec alpha() {
    WorkerPanelSpec s;
    s.title = QObject::tr("Alpha per worker");
    s.y_label = QObject::tr("\u03B1 (sum weight)");
    s.series = WorkerSeries::Alpha;
    s.aggregate = RunSeries::AlphaSum;
    s.aggregate_name = QObject::tr("\u03A3\u03B1");
    s.aggregate_dashed = true;
    s.log_y = true;
    // Where the sum is: the part the workers hold (the alpha-weighted model moves with it) and the
    // part waiting in inboxes or in transit.
    s.run_lines = {{RunSeries::AlphaHeld, QObject::tr("held"), QColor(0x1B7F3B), Qt::SolidLine},
                   {RunSeries::AlphaWaiting, QObject::tr("waiting"), QColor(0xB5651D), Qt::DotLine}};
    s.legend = true;
    s.subtitle = [](const RunData& d) {
        const auto& sum = d.run(RunSeries::AlphaSum);
        if (sum.empty()) return QString();
        QString text = QObject::tr("\u03A3\u03B1 = %1").arg(sum.lastValue(), 0, 'f', 6);
        const auto& held = d.run(RunSeries::AlphaHeld);
        const auto& waiting = d.run(RunSeries::AlphaWaiting);
        if (!held.empty() && !waiting.empty())
            text += QObject::tr(" (held %1, waiting %2)").arg(held.lastValue(), 0, 'f', 3).arg(waiting.lastValue(), 0, 'f', 3);
        return text;
    };
    return s;
}

WorkerPanelSpec centerDistance() {
    WorkerPanelSpec s;
    s.title = QObject::tr("Distance to the center per worker");
    s.y_label = QObject::tr("\u2016x\u1D62 \u2212 c\u2016\u2082");
    s.series = WorkerSeries::CenterDistance;
    s.log_y = true;
    return s;
}

WorkerPanelSpec naiveExchanges() {
    WorkerPanelSpec s = alpha();
    s.title = QObject::tr("Exchanges");
    s.subtitle = nullptr;
    s.run_lines.clear();
    s.legend = false;
    s.not_applicable = [](const RunData&) {
        return QObject::tr("Naive workers never communicate:\nno alphas, no center. See how far apart they drift on the right.");
    };
    return s;
}

WorkerPanelSpec exchangeFor(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::GoSgd: return alpha();
        case Algorithm::Easgd: return centerDistance();
        default: return naiveExchanges();
    }
}

}  // namespace gossiplab::ui::specs
