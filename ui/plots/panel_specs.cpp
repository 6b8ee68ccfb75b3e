#include "ui/plots/panel_specs.h"

#include <cmath>

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

WorkerPanelSpec alpha(Algorithm algorithm) {
    const bool push_sum = algorithm == Algorithm::Sgp;
    WorkerPanelSpec s;
    s.title = push_sum ? QObject::tr("Push-sum weight per worker (\u00F7 M)") : QObject::tr("Alpha per worker");
    s.y_label = push_sum ? QObject::tr("w / M (push-sum weight)") : QObject::tr("\u03B1 (sum weight)");
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

QString noAlphaText(Algorithm algorithm) {
    switch (algorithm) {
        case Algorithm::GoSgd:
        case Algorithm::Sgp:
        case Algorithm::Easgd: return {};
        case Algorithm::Naive:
            return QObject::tr("Naive workers never communicate:\nno alphas, no center. See how far apart they drift\n"
                               "in the pairwise distances.");
        case Algorithm::AllReduce:
            return QObject::tr("All-reduce averages the gradients at every step:\nreplicas are identical after every "
                               "step; no alphas, no center.");
        case Algorithm::LocalSgd:
            return QObject::tr("Local SGD replaces every model by the average every H steps:\nno alphas, no center. "
                               "The pairwise distances fall to 0 at each averaging.");
        case Algorithm::DPsgd:
            return QObject::tr("D-PSGD averages each model with its ring neighbours at every step\n(fixed, equal "
                               "weights): no alphas, no center.");
        case Algorithm::AdPsgd:
            return QObject::tr("AD-PSGD averages two models at a time, pairwise with a random peer\n(equal weights): "
                               "no alphas, no center.");
    }
    return QObject::tr("This algorithm has no alphas and no center.");
}

WorkerPanelSpec noAlpha(Algorithm algorithm) {
    WorkerPanelSpec s = alpha();
    s.title = QObject::tr("Exchanges");
    s.subtitle = nullptr;
    s.run_lines.clear();
    s.legend = false;
    const QString text = noAlphaText(algorithm);
    s.not_applicable = [text](const RunData&) { return text; };
    return s;
}

WorkerPanelSpec naiveExchanges() { return noAlpha(Algorithm::Naive); }

WorkerPanelSpec exchangeFor(Algorithm algorithm) {
    if (hasSumWeights(algorithm)) return alpha(algorithm);
    if (algorithm == Algorithm::Easgd) return centerDistance();
    return noAlpha(algorithm);
}

WorkerPanelSpec waitPerIteration() {
    WorkerPanelSpec s;
    s.title = QObject::tr("Waiting per iteration");
    s.y_label = QObject::tr("ms waiting / iteration");
    s.series = WorkerSeries::WaitPerIteration;
    s.y_scale = 1000.0;  // recorded in seconds, drawn in ms
    s.y_from_zero = true;
    s.y_min_span = 1.0;  // ms: a run that never waits shows a flat line at 0, not a magnified nothing
    s.legend = true;
    // The workers' mean of their latest values: how long an iteration waits right now.
    s.subtitle = [](const RunData& d) {
        double sum = 0.0;
        int n = 0;
        for (int w = 0; w < d.workers(); ++w) {
            const SeriesBuffer& b = d.worker(WorkerSeries::WaitPerIteration, w);
            if (b.empty() || !std::isfinite(b.lastValue())) continue;
            sum += b.lastValue();
            ++n;
        }
        if (n == 0) return QString();
        return QObject::tr("mean %1 ms").arg(1000.0 * sum / n, 0, 'g', 3);
    };
    return s;
}

}  // namespace gossiplab::ui::specs
